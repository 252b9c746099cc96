import Foundation

/// A bar chart drawn by the server as SVG: bars grouped by category, one to four series told
/// apart by pattern as well as shade (so it reads in black and white and to people who do not
/// see colour), the value written on every bar, an optional dashed line across at a target (an
/// SLA) or down between two bars (where an SLA falls in a distribution). It carries a title and a
/// description for assistive technology; the table under it on the page holds every figure.
struct BarChart: Sendable {
    struct Series: Sendable {
        let name: String
        let values: [Double]
    }

    var title: String
    var summary: String
    var categories: [String]
    var series: [Series]
    /// A horizontal dashed line at this value, with its label.
    var target: (value: Double, label: String)?
    /// A vertical dashed line after this many categories, with its label.
    var divider: (after: Int, label: String)?
    var valueFormat: @Sendable (Double) -> String = { $0.rounded() == $0 ? String(Int($0)) : String(format: "%.1f", $0) }

    static let fills = ["#1d70b8", "url(#pattern-hatch)", "url(#pattern-dots)", "#b1b4b6"]

    func svg(id: String) -> HTMLNode {
        let width = 760.0, height = 360.0
        let left = 56.0, right = 16.0, top = series.count > 1 ? 40.0 : 16.0
        let bottom = categories.count > 8 ? 92.0 : 56.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let largest = max(series.flatMap(\.values).max() ?? 0, target?.value ?? 0, 1)
        let step = Self.niceStep(largest / 5)
        let ceiling = (largest / step).rounded(.up) * step
        func y(_ value: Double) -> Double { top + plotHeight - value / ceiling * plotHeight }
        let band = plotWidth / Double(max(categories.count, 1))
        let barWidth = min(48, band * 0.8 / Double(max(series.count, 1)))
        let rotate = categories.count > 8
        return element("svg", [.attr("xmlns", "http://www.w3.org/2000/svg"), .attr("viewBox", "0 0 \(Int(width)) \(Int(height))"),
                               .attr("role", "img"), .aria("labelledby", "\(id)-title \(id)-desc"), .class("chart")]) {
            element("title", [.id("\(id)-title")]) { title }
            element("desc", [.id("\(id)-desc")]) { summary }
            element("defs", []) {
                element("pattern", [.id("pattern-hatch"), .attr("width", "6"), .attr("height", "6"), .attr("patternUnits", "userSpaceOnUse"),
                                    .attr("patternTransform", "rotate(45)")]) {
                    element("rect", [.attr("width", "6"), .attr("height", "6"), .attr("fill", "#ffffff")])
                    element("line", [.attr("x1", "0"), .attr("y1", "0"), .attr("x2", "0"), .attr("y2", "6"), .attr("stroke", "#0b0c0c"), .attr("stroke-width", "3")])
                }
                element("pattern", [.id("pattern-dots"), .attr("width", "6"), .attr("height", "6"), .attr("patternUnits", "userSpaceOnUse")]) {
                    element("rect", [.attr("width", "6"), .attr("height", "6"), .attr("fill", "#f4c9a8")])
                    element("circle", [.attr("cx", "3"), .attr("cy", "3"), .attr("r", "1.6"), .attr("fill", "#0b0c0c")])
                }
            }
            // Grid and axis labels.
            for tick in stride(from: 0.0, through: ceiling, by: step) {
                element("line", [.attr("x1", f(left)), .attr("x2", f(width - right)), .attr("y1", f(y(tick))), .attr("y2", f(y(tick))),
                                 .attr("stroke", "#dddddd")])
                element("text", [.attr("x", f(left - 6)), .attr("y", f(y(tick) + 4)), .attr("text-anchor", "end"), .class("chart-axis")]) { valueFormat(tick) }
            }
            for (index, category) in categories.enumerated() {
                let x = left + band * (Double(index) + 0.5)
                let groupLeft = x - barWidth * Double(series.count) / 2
                for (number, one) in series.enumerated() {
                    let value = index < one.values.count ? one.values[index] : 0
                    let barX = groupLeft + barWidth * Double(number)
                    element("rect", [.attr("x", f(barX)), .attr("y", f(y(value))), .attr("width", f(max(barWidth - 2, 1))),
                                     .attr("height", f(max(0, top + plotHeight - y(value)))), .attr("fill", Self.fills[number % Self.fills.count]),
                                     .attr("stroke", "#0b0c0c"), .attr("stroke-width", "1")]) {
                        element("title", []) { "\(category), \(one.name): \(valueFormat(value))" }
                    }
                    if categories.count * series.count <= 40 {
                        element("text", [.attr("x", f(barX + barWidth / 2 - 1)), .attr("y", f(y(value) - 4)), .attr("text-anchor", "middle"),
                                         .class("chart-value")]) { valueFormat(value) }
                    }
                }
                if rotate {
                    element("text", [.attr("x", f(x)), .attr("y", f(top + plotHeight + 12)), .attr("text-anchor", "end"),
                                     .attr("transform", "rotate(-45 \(f(x)) \(f(top + plotHeight + 12)))"), .class("chart-axis")]) { category }
                } else {
                    element("text", [.attr("x", f(x)), .attr("y", f(top + plotHeight + 18)), .attr("text-anchor", "middle"), .class("chart-axis")]) { category }
                }
            }
            element("line", [.attr("x1", f(left)), .attr("x2", f(width - right)), .attr("y1", f(top + plotHeight)), .attr("y2", f(top + plotHeight)),
                             .attr("stroke", "#0b0c0c")])
            if let target {
                element("line", [.attr("x1", f(left)), .attr("x2", f(width - right)), .attr("y1", f(y(target.value))), .attr("y2", f(y(target.value))),
                                 .attr("stroke", "#d4351c"), .attr("stroke-width", "2"), .attr("stroke-dasharray", "8 4")])
                element("text", [.attr("x", f(width - right)), .attr("y", f(y(target.value) - 6)), .attr("text-anchor", "end"), .class("chart-label")]) { target.label }
            }
            if let divider {
                let x = left + band * Double(divider.after)
                element("line", [.attr("x1", f(x)), .attr("x2", f(x)), .attr("y1", f(top)), .attr("y2", f(top + plotHeight)),
                                 .attr("stroke", "#d4351c"), .attr("stroke-width", "2"), .attr("stroke-dasharray", "8 4")])
                element("text", [.attr("x", f(x + 6)), .attr("y", f(top + 14)), .class("chart-label")]) { divider.label }
            }
            if series.count > 1 {
                for (number, one) in series.enumerated() {
                    let x = left + Double(number) * 180
                    element("rect", [.attr("x", f(x)), .attr("y", "8"), .attr("width", "16"), .attr("height", "16"),
                                     .attr("fill", Self.fills[number % Self.fills.count]), .attr("stroke", "#0b0c0c")])
                    element("text", [.attr("x", f(x + 22)), .attr("y", "21"), .class("chart-axis")]) { one.name }
                }
            }
        }
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// 1, 2 or 5 times a power of ten, at least `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0 else { return 1 }
        let power = pow(10, floor(log10(rough)))
        for multiple in [1.0, 2.0, 5.0, 10.0] where multiple * power >= rough { return max(multiple * power, 1) }
        return 10 * power
    }
}
