import Foundation
import PortalCore
import Testing

/// Reads a ZIP file as the specification lays it out, checking as it goes, written apart from the
/// portal's writer so that each checks the other: the end record, every central directory record,
/// the local header each points to, the stored bytes, the data descriptor after them, and each
/// CRC-32 (by `CRC32`, which `ZipStreamTests` checks against the definition; Python's zipfile,
/// `python`, checks them independently). `problems` lists what does not hold.
struct ZipReader {
    struct Entry {
        let name: String
        let bytes: [UInt8]
        let flags: UInt16
        let crc: UInt32
    }

    private(set) var entries: [Entry] = []
    private(set) var problems: [String] = []

    subscript(name: String) -> Entry? { entries.first { $0.name == name } }

    init(_ data: [UInt8]) {
        func u16(_ at: Int) -> Int { at + 2 <= data.count ? Int(data[at]) | Int(data[at + 1]) << 8 : -1 }
        func u32(_ at: Int) -> Int { at + 4 <= data.count ? u16(at) | u16(at + 2) << 16 : -1 }
        let end = data.count - 22
        guard end >= 0, u32(end) == 0x0605_4B50 else { problems.append("no end record at the end"); return }
        let count = u16(end + 10), size = u32(end + 12), start = u32(end + 16)
        guard u16(end + 8) == count, start + size == end else { problems.append("the end record does not match the directory"); return }
        var at = start
        var expectedOffset = 0
        for index in 0..<count {
            guard u32(at) == 0x0201_4B50 else { problems.append("directory record \(index) has no signature"); return }
            let flags = UInt16(u16(at + 8)), method = u16(at + 10), crc = UInt32(u32(at + 16))
            let compressed = u32(at + 20), plain = u32(at + 24), nameLength = u16(at + 28)
            let extra = u16(at + 30), comment = u16(at + 32), local = u32(at + 42)
            let name = String(decoding: data[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            at += 46 + nameLength + extra + comment
            if method != 0 || compressed != plain { problems.append("\(name): not stored") }
            if local != expectedOffset { problems.append("\(name): its local header is not where the one before ended") }
            guard u32(local) == 0x0403_4B50 else { problems.append("\(name): no local header"); continue }
            let localName = u16(local + 26), localExtra = u16(local + 28)
            if UInt16(u16(local + 6)) != flags || u16(local + 8) != 0 { problems.append("\(name): local flags or method differ") }
            if String(decoding: data[(local + 30)..<(local + 30 + localName)], as: UTF8.self) != name { problems.append("\(name): local name differs") }
            let dataStart = local + 30 + localName + localExtra
            guard dataStart + plain + 16 <= data.count else { problems.append("\(name): runs past the end"); continue }
            let bytes = Array(data[dataStart..<(dataStart + plain)])
            let descriptor = dataStart + plain
            if flags & 0x0008 == 0 { problems.append("\(name): no data descriptor flag") }
            if u32(descriptor) != 0x0807_4B50 || UInt32(u32(descriptor + 4)) != crc || u32(descriptor + 8) != plain || u32(descriptor + 12) != plain {
                problems.append("\(name): the data descriptor does not match the directory")
            }
            if CRC32.checksum(bytes) != crc { problems.append("\(name): CRC-32 does not match its bytes") }
            expectedOffset = descriptor + 16
            entries.append(Entry(name: name, bytes: bytes, flags: flags, crc: crc))
        }
        if expectedOffset != start { problems.append("bytes between the last entry and the directory") }
    }

    /// What Python's zipfile makes of the archive: its names, and the first entry whose CRC-32
    /// fails (`testzip`), as one line of JSON.
    static func python(_ data: [UInt8]) throws -> (names: [String], badEntry: String?) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("portal-zip-\(UUID().uuidString).zip").path
        try Data(data).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let script = "import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({'names': z.namelist(), 'bad': z.testzip()}))"
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/python3"
        let (status, output) = try ChildProcess.run(python, ["-c", script, path], environment: ProcessInfo.processInfo.environment,
                                                    capturing: .standardOutput)
        try #require(status == 0, "python3 could not read the archive")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        return (object["names"] as? [String] ?? [], object["bad"] as? String)
    }
}
