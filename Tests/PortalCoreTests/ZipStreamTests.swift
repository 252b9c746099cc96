import Foundation
@testable import PortalCore
import Testing

/// The ZIP writer's pieces: its CRC-32 against known answers and a plain bit-at-a-time version,
/// its limits, and the names it is given. (`SubjectAccessTests` reads whole archives back, with
/// Python's zipfile as well as by hand.)
@Suite struct ZipStreamTests {
    /// CRC-32 a bit at a time, straight from its definition.
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    @Test func crc32GivesTheKnownAnswers() {
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func crc32AgreesWithTheBitwiseDefinitionOverEveryLengthAndSplit() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for length in 0...bytes.count {
            let slice = Array(bytes[0..<length])
            #expect(CRC32.checksum(slice) == Self.reference(slice), "length \(length)")
        }
        // Fed in pieces of every size, as chunks of a document arrive.
        for piece in [1, 3, 7, 8, 9, 64, 299] {
            var crc = CRC32()
            for start in stride(from: 0, to: bytes.count, by: piece) {
                Array(bytes[start..<min(start + piece, bytes.count)]).withUnsafeBytes { crc.update($0) }
            }
            #expect(crc.checksum == Self.reference(bytes), "pieces of \(piece)")
        }
    }

    static let stamp = ZipStream.Timestamp(year: 2026, month: 3, day: 4, hour: 14, minute: 5, second: 7)

    @Test func dosTimeIsPackedAsZipReadsIt() {
        #expect(Self.stamp.date == UInt16((2026 - 1980) << 9 | 3 << 5 | 4))
        #expect(Self.stamp.time == UInt16(14 << 11 | 5 << 5 | 3))
        #expect(ZipStream.Timestamp(year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0).date >> 9 == 0, "before 1980 is 1980")
    }

    @Test func anEntryOrArchivePast4GiBIsRefusedBeforeItsBytesAreHandedOut() throws {
        var zip = ZipStream(modified: Self.stamp, startingAt: ZipStream.sizeLimit - 100)
        _ = try zip.begin("a.txt")
        #expect(throws: ZipStream.TooLarge.self) { try zip.add([UInt8](repeating: 0, count: 100)) }
        #expect(zip.offset <= ZipStream.sizeLimit)
        var full = ZipStream(modified: Self.stamp, startingAt: ZipStream.sizeLimit - 10)
        #expect(throws: ZipStream.TooLarge.self) { _ = try full.begin("a-long-name.txt") }
        #expect(ZipStream.fits(entries: 3, nameBytes: 100, contentBytes: 1 << 20))
        #expect(!ZipStream.fits(entries: 3, nameBytes: 100, contentBytes: ZipStream.sizeLimit))
        #expect(!ZipStream.fits(entries: ZipStream.entryLimit + 1, nameBytes: 0, contentBytes: 0))
    }

    @Test func stepsOutOfTurnAreRefused() throws {
        var zip = ZipStream(modified: Self.stamp)
        #expect(throws: ZipStream.OutOfTurn.self) { _ = try zip.end() }
        #expect(throws: ZipStream.OutOfTurn.self) { try zip.add([1]) }
        _ = try zip.begin("a")
        #expect(throws: ZipStream.OutOfTurn.self) { _ = try zip.begin("b") }
        #expect(throws: ZipStream.OutOfTurn.self) { _ = try zip.finish() }
        _ = try zip.end()
        _ = try zip.finish()
        #expect(throws: ZipStream.OutOfTurn.self) { _ = try zip.finish() }
    }

    @Test func anEmptyArchiveIsJustItsEndRecord() throws {
        var zip = ZipStream(modified: Self.stamp)
        let bytes = try zip.finish()
        #expect(bytes == [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18))
    }

    @Test func namesCannotClimbOutHideCharactersOrBeDevices() {
        #expect(ZipPath.part("../../etc/passwd", fallback: "x") == "_.._etc_passwd")
        #expect(ZipPath.part("..", fallback: "document") == "document")
        #expect(ZipPath.part(" . ", fallback: "document") == "document")
        #expect(ZipPath.part("", fallback: "document") == "document")
        #expect(ZipPath.part(".hidden", fallback: "x") == "hidden")
        #expect(ZipPath.part("C:\\Users\\pat\\photo.jpg", fallback: "x") == "C__Users_pat_photo.jpg")
        #expect(ZipPath.part("line\nbreak\u{0}nul\u{202E}gpj.exe", fallback: "x") == "line_break_nul_gpj.exe")
        #expect(ZipPath.part("what?*<>|\".pdf", fallback: "x") == "what______.pdf")
        #expect(ZipPath.part("CON", fallback: "x") == "_CON")
        #expect(ZipPath.part("com1.txt", fallback: "x") == "_com1.txt")
        #expect(ZipPath.part("console.txt", fallback: "x") == "console.txt")
        #expect(ZipPath.part("Café plan.pdf", fallback: "x") == "Café plan.pdf", "letters of any language stay")
        let long = ZipPath.part(String(repeating: "a", count: 300) + ".pdf", fallback: "x")
        #expect(long.count == ZipPath.partLimit && long.hasSuffix(".pdf"))
    }

    @Test func namesInOneFolderAreMadeUniqueWithoutCase() {
        var taken = Set<String>()
        #expect(ZipPath.unique("photo.jpg", taken: &taken) == "photo.jpg")
        #expect(ZipPath.unique("Photo.JPG", taken: &taken) == "Photo (2).JPG")
        #expect(ZipPath.unique("photo.jpg", taken: &taken) == "photo (3).jpg")
        #expect(ZipPath.unique("notes", taken: &taken) == "notes")
        #expect(ZipPath.unique("notes", taken: &taken) == "notes (2)")
    }
}
