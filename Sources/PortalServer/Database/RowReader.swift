import Foundation
import SQLKit

/// Reads a row column by column, by the quickest route each database offers. Decoding a list
/// page's rows through `Decodable` cost more than running its query: SQLite's driver reads an
/// optional or a UUID through a decoder object made for each value, and parses UUIDs (stored
/// as text) with `sscanf`.
struct RowReader {
    let row: any SQLRow
    /// SQLite stores UUIDs as text; PostgreSQL as `uuid`.
    let uuidsAreText: Bool

    init(_ row: any SQLRow, on database: any SQLDatabase) {
        self.row = row
        self.uuidsAreText = !database.isPostgres
    }

    func isNull(_ column: String) throws -> Bool { try row.decodeNil(column: column) }

    func string(_ column: String) throws -> String { try row.decode(column: column, as: String.self) }
    func int(_ column: String) throws -> Int { try row.decode(column: column, as: Int.self) }
    func double(_ column: String) throws -> Double { try row.decode(column: column, as: Double.self) }
    func bool(_ column: String) throws -> Bool { try row.decode(column: column, as: Bool.self) }
    func date(_ column: String) throws -> Date { try row.decode(column: column, as: Date.self) }

    func uuid(_ column: String) throws -> UUID {
        guard uuidsAreText else { return try row.decode(column: column, as: UUID.self) }
        let text = try string(column)
        guard let id = UUID(text: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Column \(column) holds “\(text)”, not a UUID"))
        }
        return id
    }

    func optionalString(_ column: String) throws -> String? { try isNull(column) ? nil : string(column) }
    func optionalInt(_ column: String) throws -> Int? { try isNull(column) ? nil : int(column) }
    func optionalDate(_ column: String) throws -> Date? { try isNull(column) ? nil : date(column) }
    func optionalUUID(_ column: String) throws -> UUID? { try isNull(column) ? nil : uuid(column) }
}

extension UUID {
    /// Reads the 36-character form in either case; nil for anything else.
    init?(text: some StringProtocol) {
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let valid = withUnsafeMutableBytes(of: &value) { bytes -> Bool in
            var index = 0, filled = 0
            var high: UInt8? = nil
            for byte in text.utf8 {
                defer { index += 1 }
                if index == 8 || index == 13 || index == 18 || index == 23 {
                    guard byte == UInt8(ascii: "-") else { return false }
                    continue
                }
                let nibble: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
                default: return false
                }
                guard filled < 16 else { return false }
                if let first = high {
                    bytes[filled] = first << 4 | nibble
                    filled += 1
                    high = nil
                } else {
                    high = nibble
                }
            }
            return index == 36 && filled == 16
        }
        guard valid else { return nil }
        self.init(uuid: value)
    }
}
