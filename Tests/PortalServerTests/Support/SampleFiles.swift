/// Small files of each kind, recognisable by their first bytes.
enum SampleFiles {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 600)
    static func pdf(_ size: Int = 2000) -> [UInt8] {
        let head = Array("%PDF-1.7\n".utf8)
        return head + (0..<(max(0, size - head.count))).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 11) }
    }
    static let text = Array("Inspection notes: gully blocked at number 12.\n".utf8)
    static let svg = Array("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".utf8)
}
