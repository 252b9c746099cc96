/// An address on this site to send a person back to after signing in (`next`): a path that no
/// browser could read as another site. Browsers drop tabs and line breaks from an address and
/// treat `\` as `/`, so `/\t/evil.example` and `/\evil.example` both mean `//evil.example`; a
/// path is accepted only when neither it nor its percent-decoded form could become one.
public enum LocalPath {
    public static let maximumLength = 500

    public static func isSafe(_ path: String) -> Bool {
        guard path.utf8.count < maximumLength, let decoded = path.removingPercentEncodingSafely else { return false }
        for text in [path, decoded] {
            guard text.hasPrefix("/"), !text.hasPrefix("//"),
                  !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0 == "\\" || !$0.isASCII && !TextRules.isSingleLine(String($0)) })
            else { return false }
        }
        // Only printable ASCII travels in the Location header; anything else arrives percent-encoded.
        return path.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
    }
}

extension String {
    /// Percent-decoding that is nil on a malformed escape, on any Foundation.
    var removingPercentEncodingSafely: String? {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
