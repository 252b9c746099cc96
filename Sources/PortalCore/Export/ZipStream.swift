/// A ZIP archive written front to back, so it can be sent as it is made: each entry's header, then
/// its bytes as they come, then a data descriptor with its CRC-32 and size, and at the end the
/// central directory (a few dozen bytes an entry, the only thing kept). Entries are stored, not
/// compressed: what they mostly hold (photos, PDFs) is compressed already, and a stored entry
/// needs no compression library.
///
/// No ZIP64: an entry, or the archive, of 4 GiB or more, or more than 65,535 entries, is refused
/// with `TooLarge` before any byte that would need ZIP64 is handed out, so a refused archive is
/// cut short (and unreadable) rather than quietly wrong. Callers check what they can beforehand
/// (`fits`).
///
/// The caller sends what each call returns, and the entry's bytes themselves, in order:
/// `begin`, then `add` for each piece (send the piece), then `end`, and `finish` after the last.
public struct ZipStream: Sendable {
    /// The largest size or offset a ZIP without ZIP64 can record.
    public static let sizeLimit: UInt64 = 0xFFFF_FFFF
    public static let entryLimit = 0xFFFF

    public struct TooLarge: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Misuse: an entry begun inside another, or ended or finished out of turn.
    public struct OutOfTurn: Error, Sendable {}

    /// When the entries were last changed, as MS-DOS time (local time, two-second steps).
    public struct Timestamp: Sendable, Equatable {
        public let date: UInt16
        public let time: UInt16

        /// Years before 1980, which DOS time cannot hold, become 1980.
        public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
            let year = min(max(year, 1980), 2107)
            date = UInt16((year - 1980) << 9 | month << 5 | day)
            time = UInt16(hour << 11 | minute << 5 | second / 2)
        }
    }

    private struct Current {
        let name: [UInt8]
        let offset: UInt64
        var crc = CRC32()
        var size: UInt64 = 0
    }

    private let timestamp: Timestamp
    /// Bytes handed out so far.
    public private(set) var offset: UInt64 = 0
    private var directory: [UInt8] = []
    public private(set) var entryCount = 0
    private var current: Current?
    private var finished = false

    public init(modified: Timestamp) { timestamp = modified }

    /// An archive as if `offset` bytes had been sent already: for testing the limits without
    /// sending gigabytes.
    init(modified: Timestamp, startingAt offset: UInt64) {
        timestamp = modified
        self.offset = offset
    }

    /// Bit 3: sizes and CRC follow the data; bit 11: the name is UTF-8.
    private static let flags: UInt16 = 0x0008 | 0x0800
    /// 2.0: what stored entries with data descriptors need.
    private static let versionNeeded: UInt16 = 20
    /// Made on Unix (3), spec 2.0, so the external attributes carry a Unix mode.
    private static let versionMadeBy: UInt16 = 3 << 8 | 20
    /// A regular file, readable by everyone, writable by its owner (0o100644).
    private static let externalAttributes: UInt32 = 0o100644 << 16

    /// Whether an archive of `entries` entries, whose names and contents come to these many
    /// bytes, fits without ZIP64: every header, descriptor and the directory counted.
    public static func fits(entries: Int, nameBytes: UInt64, contentBytes: UInt64) -> Bool {
        let overhead = UInt64(entries) * (30 + 16 + 46) + 2 * nameBytes + 22
        return entries <= entryLimit && contentBytes <= sizeLimit && contentBytes + overhead <= sizeLimit
    }

    /// The local header of a new entry, to send before its bytes.
    public mutating func begin(_ name: String) throws -> [UInt8] {
        guard current == nil, !finished else { throw OutOfTurn() }
        guard entryCount < Self.entryLimit else { throw TooLarge(description: "A ZIP file holds at most \(Self.entryLimit) files") }
        let nameBytes = Array(name.utf8)
        guard nameBytes.count <= 0xFFFF else { throw TooLarge(description: "A file name in a ZIP file must be shorter than 64 KB") }
        var header = ByteWriter()
        header.u32(0x0403_4B50)
        header.u16(Self.versionNeeded)
        header.u16(Self.flags)
        header.u16(0)  // stored
        header.u16(timestamp.time)
        header.u16(timestamp.date)
        header.u32(0)  // CRC-32, size and compressed size: in the data descriptor
        header.u32(0)
        header.u32(0)
        header.u16(UInt16(nameBytes.count))
        header.u16(0)  // no extra field
        header.bytes.append(contentsOf: nameBytes)
        try claim(UInt64(header.bytes.count))
        current = Current(name: nameBytes, offset: offset - UInt64(header.bytes.count))
        return header.bytes
    }

    /// Counts a piece of the entry's bytes, which the caller then sends as they are.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) throws {
        guard var entry = current else { throw OutOfTurn() }
        let count = UInt64(bytes.count)
        guard entry.size + count <= Self.sizeLimit else {
            throw TooLarge(description: "A file in a ZIP file without ZIP64 must be smaller than 4 GiB")
        }
        try claim(count)
        entry.crc.update(bytes)
        entry.size += count
        current = entry
    }

    public mutating func add(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try add($0) }
    }

    /// The data descriptor that closes the entry, to send after its bytes.
    public mutating func end() throws -> [UInt8] {
        guard let entry = current else { throw OutOfTurn() }
        var descriptor = ByteWriter()
        descriptor.u32(0x0807_4B50)
        descriptor.u32(entry.crc.checksum)
        descriptor.u32(UInt32(entry.size))
        descriptor.u32(UInt32(entry.size))
        try claim(UInt64(descriptor.bytes.count))
        var record = ByteWriter()
        record.u32(0x0201_4B50)
        record.u16(Self.versionMadeBy)
        record.u16(Self.versionNeeded)
        record.u16(Self.flags)
        record.u16(0)
        record.u16(timestamp.time)
        record.u16(timestamp.date)
        record.u32(entry.crc.checksum)
        record.u32(UInt32(entry.size))
        record.u32(UInt32(entry.size))
        record.u16(UInt16(entry.name.count))
        record.u16(0)  // extra field
        record.u16(0)  // comment
        record.u16(0)  // disk
        record.u16(0)  // internal attributes
        record.u32(Self.externalAttributes)
        record.u32(UInt32(entry.offset))
        record.bytes.append(contentsOf: entry.name)
        directory.append(contentsOf: record.bytes)
        entryCount += 1
        current = nil
        return descriptor.bytes
    }

    /// The central directory and its end record, to send last.
    public mutating func finish() throws -> [UInt8] {
        guard current == nil, !finished else { throw OutOfTurn() }
        let start = offset
        var end = ByteWriter()
        end.u32(0x0605_4B50)
        end.u16(0)  // this disk
        end.u16(0)  // the directory's disk
        end.u16(UInt16(entryCount))
        end.u16(UInt16(entryCount))
        end.u32(UInt32(directory.count))
        end.u32(UInt32(truncatingIfNeeded: start))
        end.u16(0)  // no comment
        try claim(UInt64(directory.count + end.bytes.count))
        finished = true
        let bytes = directory + end.bytes
        directory = []
        return bytes
    }

    private mutating func claim(_ count: UInt64) throws {
        guard offset + count <= Self.sizeLimit else {
            throw TooLarge(description: "A ZIP file without ZIP64 must be smaller than 4 GiB")
        }
        offset += count
    }
}

/// Little-endian fields, as ZIP writes them.
private struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(value & 0xFF))
        bytes.append(UInt8(value >> 8))
    }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}

/// CRC-32 as ZIP (and PNG, and gzip) use it: the reflected polynomial 0xEDB88320, read eight
/// bytes at a time with eight tables ("slicing by eight"), several times faster than a byte at
/// a time.
public struct CRC32: Sendable {
    private var state: UInt32 = 0xFFFF_FFFF

    public init() {}

    public var checksum: UInt32 { state ^ 0xFFFF_FFFF }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32()
        bytes.withUnsafeBytes { crc.update($0) }
        return crc.checksum
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = state
        var index = 0
        let count = bytes.count
        Self.tables.withUnsafeBufferPointer { table in
            while count - index >= 8 {
                let low = crc ^ (UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24)
                let high = UInt32(bytes[index + 4]) | UInt32(bytes[index + 5]) << 8 | UInt32(bytes[index + 6]) << 16 | UInt32(bytes[index + 7]) << 24
                crc = table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ table[1 * 256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                index += 8
            }
            while index < count {
                crc = table[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        state = crc
    }

    /// Table 0 is the classic byte-at-a-time table; table k gives a byte's effect k bytes further on.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            tables[byte] = crc
        }
        for byte in 0..<256 {
            for k in 1..<8 {
                let previous = tables[(k - 1) * 256 + byte]
                tables[k * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()
}
