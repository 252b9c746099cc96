import Foundation

/// Timings the benchmark commands print, the same way in each.
enum BenchmarkTimings {
    /// "name   p50 … ms   p95 … ms   max … ms   (N runs)".
    static func line(_ name: String, _ times: [Double]) -> String {
        let sorted = times.sorted()
        guard let last = sorted.last else { return name + ": no runs" }
        func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] * 1000 }
        return name.padding(toLength: 44, withPad: " ", startingAt: 0)
            + String(format: "p50 %7.3f ms   p95 %7.3f ms   max %7.3f ms   (%d runs)", at(0.5), at(0.95), last * 1000, sorted.count)
    }

    /// How long `body` took, in seconds.
    static func time(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        return (ContinuousClock.now - start).timeInterval
    }
}
