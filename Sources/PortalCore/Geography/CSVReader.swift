import Foundation

/// Reads comma-separated values as RFC 4180 writes them: fields may be quoted, a quoted field may
/// hold commas, line breaks and doubled quotes. The first row names the columns. Problems name
/// the line; a file is refused whole.
public enum CSVReader {
    public struct Row: Sendable {
        /// The line the row starts on, counting the header as line 1.
        public let line: Int
        public let fields: [String: String]
    }

    public struct Limits: Sendable {
        public var bytes = 128 * 1024 * 1024
        public var rows = 1_000_000
        public var fieldLength = 1_000
        public init() {}
    }

    public static func read(_ data: Data, limits: Limits = Limits()) -> Result<(columns: [String], rows: [Row]), ImportProblem> {
        guard data.count <= limits.bytes else {
            return .failure(ImportProblem(where: "the file", message: "is \(data.count / 1_048_576) MB; the most that can be read at once is \(limits.bytes / 1_048_576) MB"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(ImportProblem(where: "the file", message: "is not UTF-8 text"))
        }
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var length = 0
        var quoted = false, wasQuoted = false
        var line = 1, recordLine = 1
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending { pending = nil; return scalar }
            return scalars.next()
        }
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) { records.append((recordLine, fields)) }
            fields = []
            field = ""
            length = 0
            wasQuoted = false
        }
        var first = true
        while let scalar = next() {
            if first { first = false; if scalar == "\u{FEFF}" { continue } }
            if quoted {
                if scalar == "\"" {
                    if let following = next() {
                        if following == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = following }
                    } else { quoted = false }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                length += 1
                guard length <= limits.fieldLength else {
                    return .failure(ImportProblem(where: "line \(recordLine)", message: "has a field longer than \(limits.fieldLength) characters"))
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty && !wasQuoted:
                quoted = true
                wasQuoted = true
            case ",":
                fields.append(field)
                field = ""
                length = 0
                wasQuoted = false
            case "\r":
                continue
            case "\n":
                endRecord()
                line += 1
                recordLine = line
                guard records.count <= limits.rows + 1 else {
                    return .failure(ImportProblem(where: "the file", message: "has more than \(limits.rows) rows"))
                }
            default:
                guard !wasQuoted else {
                    return .failure(ImportProblem(where: "line \(recordLine)", message: "has text after a closing quote; a quote inside a quoted field is written twice"))
                }
                field.unicodeScalars.append(scalar)
                length += 1
                guard length <= limits.fieldLength else {
                    return .failure(ImportProblem(where: "line \(recordLine)", message: "has a field longer than \(limits.fieldLength) characters"))
                }
            }
        }
        if quoted { return .failure(ImportProblem(where: "line \(recordLine)", message: "opens a quote that is never closed")) }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        guard let header = records.first else { return .failure(ImportProblem(where: "the file", message: "is empty")) }
        let columns = header.fields.map { $0.trimmingWhitespace().lowercased() }
        guard Set(columns).count == columns.count else {
            return .failure(ImportProblem(where: "line 1", message: "names a column twice"))
        }
        var rows: [Row] = []
        rows.reserveCapacity(records.count - 1)
        for record in records.dropFirst() {
            guard record.fields.count == columns.count else {
                return .failure(ImportProblem(where: "line \(record.line)", message: "has \(record.fields.count) fields; the header has \(columns.count)"))
            }
            rows.append(Row(line: record.line, fields: Dictionary(uniqueKeysWithValues: zip(columns, record.fields.map { $0.trimmingWhitespace() }))))
        }
        return .success((columns, rows))
    }

    /// The point a row gives: `easting` and `northing`, or `latitude` and `longitude` (`lat`,
    /// `lon`, `lng`). Eastings and northings given as latitude and longitude are named as such.
    public static func point(of row: Row) -> Result<GridPoint, ImportProblem> {
        let place = "line \(row.line)"
        func number(_ names: [String]) -> (String, Double?)? {
            for name in names { if let text = row.fields[name] { return (text, Double(text)) } }
            return nil
        }
        if let (eText, e) = number(["easting", "x"]), let (nText, n) = number(["northing", "y"]) {
            guard let e, let n, let point = GridPoint(easting: e, northing: n) else {
                return .failure(ImportProblem(where: place, message: "has an easting and northing (\(eText), \(nText)) off the British National Grid"))
            }
            return .success(point)
        }
        guard let (latText, lat) = number(["latitude", "lat"]), let (lonText, lon) = number(["longitude", "lon", "lng", "long"]) else {
            return .failure(ImportProblem(where: place, message: "has no point: give easting and northing, or latitude and longitude, columns"))
        }
        guard let lat, let lon, let geo = GeoPoint(latitude: lat, longitude: lon) else {
            if let lat, let lon, GridPoint(easting: lat, northing: lon) != nil || GridPoint(easting: lon, northing: lat) != nil {
                return .failure(ImportProblem(where: place, message: "has a latitude and longitude (\(latText), \(lonText)) that look like British National Grid eastings and northings; name those columns easting and northing"))
            }
            return .failure(ImportProblem(where: place, message: "has a latitude and longitude (\(latText), \(lonText)) out of range"))
        }
        guard (49.0...61.5).contains(lat), (-9.0...2.5).contains(lon), let point = BritishNationalGrid.grid(geo) else {
            return .failure(ImportProblem(where: place, message: "has a point (latitude \(latText), longitude \(lonText)) outside Great Britain"))
        }
        return .success(point)
    }
}
