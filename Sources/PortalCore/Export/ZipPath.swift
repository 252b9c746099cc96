/// Names of files inside an archive someone will unpack: each part of a path made safe on its
/// own, whatever it was called in the portal, so that no name can climb out of the folder it is
/// unpacked into, hide a control character, or be one that Windows refuses.
public enum ZipPath {
    /// A part of a name never longer than this many characters (the extension kept).
    public static let partLimit = 100

    /// One part of a path (a folder's or a file's name): separators, control characters, line
    /// and paragraph separators, direction overrides and the characters Windows forbids become
    /// `_`; spaces and dots are trimmed from both ends (so `..` and `.hidden` cannot be made);
    /// a name Windows keeps for a device (`CON`, `com1.txt`) gets a `_` in front; an empty name
    /// becomes `fallback`.
    public static func part(_ raw: String, fallback: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars {
            let forbidden = "/\\:*?\"<>|".unicodeScalars.contains(scalar)
                || TextRules.isControl(scalar) || TextRules.isLineBreak(scalar) || TextRules.isDirectionOverride(scalar)
            scalars.append(forbidden ? "_" : scalar)
        }
        var name = String(scalars)
        while let first = name.first, first == " " || first == "." { name.removeFirst() }
        while let last = name.last, last == " " || last == "." { name.removeLast() }
        if name.count > partLimit {
            let dot = name.lastIndex(of: ".")
            let suffix = dot.map { String(name[$0...]) }.flatMap { $0.count <= 10 ? $0 : nil } ?? ""
            name = String(name.prefix(partLimit - suffix.count)) + suffix
        }
        if name.isEmpty { return fallback }
        let stem = name.split(separator: ".", maxSplits: 1).first.map { String($0).uppercased() } ?? ""
        let devices: Set<String> = ["CON", "PRN", "AUX", "NUL"]
        if devices.contains(stem) || (stem.count == 4 && ["COM", "LPT"].contains(String(stem.prefix(3))) && stem.last?.isNumber == true) {
            name = "_" + name
        }
        return name
    }

    /// The name, or the first of "name (2).ext", "name (3).ext"... that `taken` does not hold,
    /// compared without case (as Windows and macOS compare file names); the result is added to `taken`.
    public static func unique(_ name: String, taken: inout Set<String>) -> String {
        var candidate = name
        var number = 1
        while taken.contains(candidate.lowercased()) {
            number += 1
            let dot = name.lastIndex(of: ".").flatMap { $0 == name.startIndex ? nil : $0 }
            let stem = dot.map { String(name[..<$0]) } ?? name
            let suffix = dot.map { String(name[$0...]) } ?? ""
            candidate = "\(stem) (\(number))\(suffix)"
        }
        taken.insert(candidate.lowercased())
        return candidate
    }
}
