/// The kinds of file the portal keeps, recognised by their content: a name alone proves nothing.
public enum DocumentKind: String, CaseIterable, Sendable {
    case jpeg, png, gif, webp, pdf
    case word, excel, powerpoint, openDocument = "opendocument"
    case text

    /// The families an administrator allows (`PORTAL_DOCUMENT_TYPES`).
    public enum Family: String, CaseIterable, Sendable {
        case image, pdf, office, text
    }

    public var family: Family {
        switch self {
        case .jpeg, .png, .gif, .webp: .image
        case .pdf: .pdf
        case .word, .excel, .powerpoint, .openDocument: .office
        case .text: .text
        }
    }

    /// The type the file is served as. Never HTML or SVG: nothing a browser would run.
    public func contentType(name: String) -> String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .gif: "image/gif"
        case .webp: "image/webp"
        case .pdf: "application/pdf"
        case .text: DocumentKind.extensionOf(name) == "csv" ? "text/csv; charset=utf-8" : "text/plain; charset=utf-8"
        case .word, .excel, .powerpoint, .openDocument:
            switch DocumentKind.extensionOf(name) {
            case "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            case "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            case "doc": "application/msword"
            case "xls": "application/vnd.ms-excel"
            case "ppt": "application/vnd.ms-powerpoint"
            case "odt": "application/vnd.oasis.opendocument.text"
            case "ods": "application/vnd.oasis.opendocument.spreadsheet"
            case "odp": "application/vnd.oasis.opendocument.presentation"
            default: "application/octet-stream"
            }
        }
    }

    /// How many bytes `detect` needs to see.
    public static let sniffLength = 4096

    /// The endings a file of this kind may have. A name must agree with the content: a JPEG
    /// called `report.html` would be opened by a browser or a desktop as a web page once saved.
    public var extensions: [String] {
        switch self {
        case .jpeg: ["jpg", "jpeg", "jpe", "jfif"]
        case .png: ["png"]
        case .gif: ["gif"]
        case .webp: ["webp"]
        case .pdf: ["pdf"]
        case .word: ["docx", "doc"]
        case .excel: ["xlsx", "xls"]
        case .powerpoint: ["pptx", "ppt"]
        case .openDocument: ["odt", "ods", "odp"]
        case .text: ["txt", "csv"]
        }
    }

    /// What a file is, judged from its first bytes and its name together.
    public enum Recognition: Equatable, Sendable {
        /// A kind the portal keeps, named as that kind.
        case kind(DocumentKind)
        /// A kind the portal keeps, but named as something else (`photo.html`, `scan.pdf.exe`).
        case misnamed(DocumentKind, ext: String)
        /// Nothing the portal keeps.
        case unknown
    }

    /// The kind of a file from its first bytes, and whether its name's extension agrees. Office
    /// files are zip or OLE containers whatever they hold, so for those the extension says which
    /// kind; a text file must be UTF-8 without control characters.
    public static func recognise(prefix bytes: [UInt8], name: String) -> Recognition {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + magic.count && Array(bytes[offset..<(offset + magic.count)]) == magic
        }
        let ext = extensionOf(name)
        func named(_ kind: DocumentKind) -> Recognition { kind.extensions.contains(ext) ? .kind(kind) : .misnamed(kind, ext: ext) }
        if starts([0xFF, 0xD8, 0xFF]) { return named(.jpeg) }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return named(.png) }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return named(.gif) }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return named(.webp) }
        if starts(Array("%PDF-".utf8)) { return named(.pdf) }
        if starts([0x50, 0x4B, 0x03, 0x04]) {
            switch ext {
            case "docx": return .kind(.word)
            case "xlsx": return .kind(.excel)
            case "pptx": return .kind(.powerpoint)
            case "odt", "ods", "odp": return .kind(.openDocument)
            default: return .unknown
            }
        }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            switch ext {
            case "doc": return .kind(.word)
            case "xls": return .kind(.excel)
            case "ppt": return .kind(.powerpoint)
            default: return .unknown
            }
        }
        if ["txt", "csv"].contains(ext), !bytes.isEmpty, isPlainText(bytes) { return .kind(.text) }
        return .unknown
    }

    /// The kind of a file whose name agrees with its content; nil for anything else: refused.
    public static func detect(prefix bytes: [UInt8], name: String) -> DocumentKind? {
        if case .kind(let kind) = recognise(prefix: bytes, name: name) { return kind }
        return nil
    }

    /// UTF-8 (a character cut at the end of the prefix is allowed) with no control characters
    /// but tab, line feed, carriage return and form feed.
    static func isPlainText(_ bytes: [UInt8]) -> Bool {
        if bytes.contains(where: { $0 < 0x20 && ![0x09, 0x0A, 0x0C, 0x0D].contains($0) || $0 == 0x7F }) { return false }
        var trimmed = bytes[...]
        // Drop an incomplete final character left by cutting the prefix.
        for back in 1...min(3, trimmed.count) {
            let byte = trimmed[trimmed.endIndex - back]
            if byte & 0xC0 == 0xC0 {
                let needed = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                if needed > back { trimmed = trimmed.dropLast(back) }
                break
            }
            if byte & 0x80 == 0 { break }
        }
        return String(validating: trimmed, as: UTF8.self) != nil
    }

    public static func extensionOf(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    public var label: String {
        switch self {
        case .jpeg: "JPEG image"
        case .png: "PNG image"
        case .gif: "GIF image"
        case .webp: "WebP image"
        case .pdf: "PDF"
        case .word: "Word document"
        case .excel: "Excel spreadsheet"
        case .powerpoint: "PowerPoint presentation"
        case .openDocument: "OpenDocument file"
        case .text: "Text file"
        }
    }
}

/// A document's name as people gave it, made safe to store and show.
public enum DocumentName {
    public static let maxLength = 150

    public enum Problem: Error, Equatable, Sendable {
        case empty, controlCharacters, pathTraversal, tooLong

        public var message: String {
            switch self {
            case .empty: "The file has no name; give it one"
            case .controlCharacters: "The file name contains characters that are not allowed (control characters)"
            case .pathTraversal: "The file name may not contain folder names such as ../"
            case .tooLong: "The file name must be \(DocumentName.maxLength) characters or fewer"
            }
        }
    }

    /// Refuses control characters (NUL among them) and parent-folder steps; keeps only the last
    /// part of a path (some browsers send C:\Users\...\photo.jpg); trims spaces and dots at the
    /// ends, which some systems cannot store.
    public static func clean(_ raw: String) -> Result<String, Problem> {
        if !TextRules.isSingleLine(raw) { return .failure(.controlCharacters) }
        let parts = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).map(String.init)
        if parts.contains(where: { $0.trimmingCharacters(in: [" "]) == ".." }) { return .failure(.pathTraversal) }
        var name = parts.last ?? ""
        while let first = name.first, first == " " || first == "." { name.removeFirst() }
        while let last = name.last, last == " " || last == "." { name.removeLast() }
        if name.isEmpty { return .failure(.empty) }
        if name.count > maxLength { return .failure(.tooLong) }
        return .success(name)
    }
}

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
