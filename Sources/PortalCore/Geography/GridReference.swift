/// Ordnance Survey grid references: two letters naming a 100 km square, then an even number of
/// digits, half eastings and half northings within it ("SO 85181 54800" places a point to the
/// metre; "SO 851 548" names a 100 m square).
public enum GridReference {
    /// The letters skip I; each first letter covers 500 km squares, each second letter 100 km.
    static let letters = Array("ABCDEFGHJKLMNOPQRSTUVWXYZ")

    /// A ten-figure reference, to the metre; nil off the grid.
    public static func text(_ point: GridPoint) -> String? {
        guard let square = square(of: point) else { return nil }
        let e = Int(point.easting.rounded(.down)) % 100_000, n = Int(point.northing.rounded(.down)) % 100_000
        return "\(square) \(fiveDigits(e)) \(fiveDigits(n))"
    }

    /// The two letters of the 100 km square holding the point.
    public static func square(of point: GridPoint) -> String? {
        let e = Int(point.easting / 100_000), n = Int(point.northing / 100_000)
        guard (0..<7).contains(e), (0..<13).contains(n) else { return nil }
        let first = (19 - n) - (19 - n) % 5 + (e + 10) / 5
        let second = ((19 - n) * 5) % 25 + e % 5
        return String([letters[first], letters[second]])
    }

    /// The point a reference names: the centre of its square (a ten-figure reference's metre).
    /// Spaces are optional and letters may be lower case.
    public static func parse(_ text: String) -> GridPoint? {
        let compact = text.uppercased().filter { $0 != " " }
        let chars = Array(compact)
        guard chars.count >= 2, chars.count <= 12,
              let first = letters.firstIndex(of: chars[0]), let second = letters.firstIndex(of: chars[1]) else { return nil }
        let digits = chars.dropFirst(2)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count % 2 == 0 else { return nil }
        let e100 = ((first - 2) % 5 + 5) % 5 * 5 + second % 5
        let n100 = (19 - (first / 5) * 5) - second / 5
        guard (0..<7).contains(e100), (0..<13).contains(n100) else { return nil }
        let half = digits.count / 2
        let precision = half == 0 ? 100_000.0 : Double(pow10(5 - half))
        let e = half == 0 ? 0 : Double(Int(String(digits.prefix(half)))!) * precision
        let n = half == 0 ? 0 : Double(Int(String(digits.suffix(half)))!) * precision
        // A ten-figure reference already names the metre; coarser ones name their square's centre.
        let centre = half == 5 ? 0 : precision / 2
        return GridPoint(easting: Double(e100) * 100_000 + e + centre, northing: Double(n100) * 100_000 + n + centre)
    }

    private static func pow10(_ k: Int) -> Int { (0..<k).reduce(1) { value, _ in value * 10 } }

    private static func fiveDigits(_ value: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 5 - text.count)) + text
    }
}
