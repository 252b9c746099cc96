import Foundation
import PortalCore

/// Writing text into a message and its SMTP session, so that no text, whoever typed it, can end a
/// header, start a new one, or close the DATA section and smuggle a second message.
enum MailText {
    /// An address written between `<` and `>` in a header or a command: printable ASCII, no
    /// spaces, no angle brackets, one `@`.
    static func isPlainAddress(_ address: String) -> Bool {
        !address.isEmpty && address.count <= 254 && address.filter { $0 == "@" }.count == 1
            && address.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" }
    }

    /// `Name <address>` or a bare address, as the From header; nil when it cannot be written safely.
    static func mailbox(_ text: String) -> String? {
        guard let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close else {
            return isPlainAddress(text) ? text : nil
        }
        let address = String(text[text.index(after: open)..<close])
        guard isPlainAddress(address), text[text.index(after: close)...].trimmingWhitespace().isEmpty,
              TextRules.isSingleLine(text) else { return nil }
        let name = String(text[..<open]).trimmingWhitespace()
        return name.isEmpty ? "<\(address)>" : "\(headerValue(name, after: "From: ")) <\(address)>"
    }

    /// A header's value: one line whatever it held, kept as it is when it is printable ASCII that
    /// fits the line limit, otherwise as RFC 2047 encoded words (UTF-8, base64) folded onto lines
    /// of at most 76 characters. `after` is what precedes it on the first line.
    static func headerValue(_ text: String, after prefix: String) -> String {
        let line = TextRules.oneLine(text)
        let plain = line.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        if plain, !line.contains("=?"), prefix.count + line.count <= 998 { return line }
        // Each encoded word holds whole characters: at most 45 bytes of UTF-8 (60 of base64).
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in line {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words.joined(separator: "\r\n ")
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String { "=?UTF-8?B?\(Data(bytes).base64EncodedString())?=" }

    /// The DATA section: every line ended with CRLF (a lone CR or LF becomes one), every line
    /// that starts with a dot given a second, and the closing lone dot.
    static func data(_ text: String) -> String {
        var lines: [Substring] = []
        var rest = Substring(text)
        while let index = rest.firstIndex(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) {
            lines.append(rest[..<index])
            rest = rest[rest.index(after: index)...]
        }
        lines.append(rest)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n") + "\r\n.\r\n"
    }
}
