import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The council's addresses with their postcodes and points, searched by postcode or by words to
/// place an enquiry. Loaded from CSV (`address`, `postcode`, optionally `uprn`, and a point),
/// replacing the gazetteer all or nothing.
enum Gazetteer {
    struct Address: Sendable, Codable, Equatable {
        let address: String
        let postcode: String
        let point: GridPoint
    }

    /// "BK1 2AB" and "bk12ab" are the same postcode: upper case without spaces.
    static func postcodeKey(_ text: String) -> String { text.uppercased().filter { $0.isLetter || $0.isNumber } }

    /// A UK postcode's shape: an outward code (letters then a digit...) and an inward code (a digit, two letters).
    static func looksLikePostcode(_ text: String) -> Bool {
        text.range(of: #"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"#, options: .regularExpression) != nil
    }

    static func read(_ data: Data) throws -> [(uprn: String?, address: Address)] {
        let rows: [CSVReader.Row]
        switch CSVReader.read(data) {
        case .success(let read):
            guard read.columns.contains("address"), read.columns.contains("postcode") else {
                throw ImportProblem(where: "line 1", message: "must name an address and a postcode column")
            }
            rows = read.rows
        case .failure(let problem): throw problem
        }
        return try rows.map { row in
            let place = "line \(row.line)"
            let address = row.fields["address"] ?? "", postcode = row.fields["postcode"] ?? ""
            guard !address.isEmpty, address.count <= 200, FormErrors.characterProblem(address, name: "an address", multiLine: false) == nil else {
                throw ImportProblem(where: place, message: "has no address, or one that is not one line of up to 200 characters")
            }
            guard looksLikePostcode(postcodeKey(postcode)), postcode.count <= 10 else {
                throw ImportProblem(where: place, message: "has a postcode, “\(postcode.prefix(20))”, that is not one")
            }
            let uprn = row.fields["uprn"].flatMap { $0.isEmpty ? nil : $0 }
            if let uprn, uprn.count > 12 || !uprn.allSatisfy(\.isNumber) {
                throw ImportProblem(where: place, message: "has a UPRN that is not a number of up to 12 digits")
            }
            switch CSVReader.point(of: row) {
            case .success(let point): return (uprn, Address(address: address, postcode: postcode.uppercased(), point: point))
            case .failure(let problem): throw problem
            }
        }
    }

    static func run(_ data: Data, on db: any Database) async throws -> Int {
        let rows = try read(data)
        guard !rows.isEmpty else { throw ImportProblem(where: "the file", message: "has no addresses") }
        try await db.transaction { db in try await store(rows, on: db) }
        return rows.count
    }

    static func store(_ rows: [(uprn: String?, address: Address)], on db: any Database) async throws {
        let sql = db.sql
        try await sql.delete(from: "gazetteer").run()
        for batch in stride(from: 0, to: rows.count, by: 500) {
            var values: [SQLQueryString] = []
            for (uprn, address) in rows[batch..<min(batch + 500, rows.count)] {
                let geo = BritishNationalGrid.geo(address.point)
                let common: SQLQueryString = """
                    \(bind: uprn), \(bind: address.address), \(bind: address.postcode), \(bind: postcodeKey(address.postcode)), \
                    \(bind: address.point.easting), \(bind: address.point.northing), \(bind: geo.latitude), \(bind: geo.longitude)
                    """
                values.append(sql.isPostgres
                    ? "(\(common), to_tsvector('simple', \(bind: address.address + " " + address.postcode)))"
                    : "(\(common))")
            }
            let columns = "uprn, address, postcode, postcode_key, easting, northing, latitude, longitude" + (sql.isPostgres ? ", words" : "")
            try await sql.raw("INSERT INTO gazetteer (\(unsafeRaw: columns)) VALUES \(values.joined(separator: ", "))").run()
        }
        if !sql.isPostgres { try await sql.raw("INSERT INTO gazetteer_fts(gazetteer_fts) VALUES('rebuild')").run() }
    }

    /// An address as the `gazetteer` table holds it.
    struct Row: Decodable {
        let address: String
        let postcode: String
        let easting: Double
        let northing: Double
    }

    /// Up to `limit` addresses for a postcode (whole or its start, in postcode order) or for words
    /// (each the start of a word of the address).
    static func search(_ text: String, limit: Int = 20, on db: any Database) async throws -> [Address] {
        let sql = db.sql
        let key = postcodeKey(text)
        let words = text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init).filter { !$0.isEmpty }.prefix(6)
            .map { String($0.prefix(30)) }
        guard !words.isEmpty else { return [] }
        var rows: [Row]
        if key.count >= 2, key.count <= 7, key.first?.isLetter == true, key.contains(where: \.isNumber), words.count <= 2,
           text.uppercased().filter({ !$0.isWhitespace }).allSatisfy({ $0.isLetter || $0.isNumber }) {
            // A postcode, or the start of one: a range over the postcode index.
            rows = try await sql.raw("""
                SELECT address, postcode, easting, northing FROM gazetteer
                WHERE postcode_key >= \(bind: key) AND postcode_key < \(bind: key + "~")
                ORDER BY postcode_key, address LIMIT \(literal: limit)
                """).all(decoding: Row.self)
            if !rows.isEmpty { return rows.compactMap(address) }
        }
        if sql.isPostgres {
            let query = words.map { $0 + ":*" }.joined(separator: " & ")
            rows = try await sql.raw("""
                SELECT address, postcode, easting, northing FROM gazetteer WHERE words @@ to_tsquery('simple', \(bind: query))
                LIMIT \(literal: limit)
                """).all(decoding: Row.self)
        } else {
            let query = words.map { "\"\($0)\"*" }.joined(separator: " AND ")
            rows = try await sql.raw("""
                SELECT g.address, g.postcode, g.easting, g.northing FROM gazetteer_fts f JOIN gazetteer g ON g."row" = f.rowid
                WHERE gazetteer_fts MATCH \(bind: query) LIMIT \(literal: limit)
                """).all(decoding: Row.self)
        }
        // The first matches found, in address order: sorting every match of a common word would
        // cost more than the search.
        return rows.compactMap(address).sorted { $0.address.localizedStandardCompare($1.address) == .orderedAscending }
    }

    static func address(_ row: Row) -> Address? {
        GridPoint(easting: row.easting, northing: row.northing).map { Address(address: row.address, postcode: row.postcode, point: $0) }
    }
}
