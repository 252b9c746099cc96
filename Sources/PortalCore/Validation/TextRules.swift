/// What text a person may type into a field. Every form calls these, so the rule is stated once.
///
/// A single-line field (a subject, a name, a location, a title) travels into places where a line
/// break means something: an email's headers, an SMTP session, a CSV row, a log line. So it
/// refuses every control character (C0, DEL and C1, line feed, carriage return and tab among
/// them), the Unicode line and paragraph separators, and the direction overrides that make a
/// name read differently from what it is. A multi-line field (details, an address, a message)
/// keeps line breaks and tabs and refuses the rest.
public enum TextRules {
    /// True when the text may stand in a single-line field.
    public static func isSingleLine(_ text: String) -> Bool {
        !text.unicodeScalars.contains { isControl($0) || isLineBreak($0) || isDirectionOverride($0) }
    }

    /// True when the text may stand in a multi-line field: line breaks and tabs are allowed.
    public static func isMultiLine(_ text: String) -> Bool {
        !text.unicodeScalars.contains { scalar in
            guard !["\n", "\r", "\t"].contains(scalar) else { return false }
            return isControl(scalar) || isDirectionOverride(scalar)
        }
    }

    /// The message for a single-line field that holds a line break or a control character, after
    /// the field's name as the form words it ("a subject", "the resident's name").
    public static func singleLineMessage(_ name: String) -> String {
        "\(name.prefix(1).uppercased() + name.dropFirst()) must be one line of text, without line breaks, tabs or other control characters"
    }

    public static func multiLineMessage(_ name: String) -> String {
        "\(name.prefix(1).uppercased() + name.dropFirst()) contains control characters that are not allowed; remove them"
    }

    /// The text with every run of control characters and line breaks replaced by one space: for
    /// writing text that was stored before these rules (or came from elsewhere) into one line.
    public static func oneLine(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var inRun = false
        for scalar in text.unicodeScalars {
            if isControl(scalar) || isLineBreak(scalar) || isDirectionOverride(scalar) {
                if !inRun { result.append(" ") }
                inRun = true
            } else {
                result.append(scalar)
                inRun = false
            }
        }
        return String(result)
    }

    /// Text from outside the portal made fit for a multi-line field: line breaks kept (as `\n`),
    /// tabs kept, every other control character and direction override replaced by a space.
    public static func multiLine(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.replacingOccurrences(of: "\r\n", with: "\n").unicodeScalars {
            if scalar == "\n" || scalar == "\t" {
                result.append(scalar)
            } else if scalar == "\r" || isLineBreak(scalar) {
                result.append("\n")
            } else if isControl(scalar) || isDirectionOverride(scalar) {
                result.append(" ")
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.generalCategory == .control }

    static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value == 0x2028 || scalar.value == 0x2029
    }

    static func isDirectionOverride(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }
}
