import Foundation
import PortalCore
import Vapor

/// How maps are drawn in the browser: Leaflet from the portal's own copy (Debian's
/// `libjs-leaflet`), and optionally a base map from the council's tile server. With no tile
/// server the map shows the council's boundaries and assets on a plain background; without
/// Leaflet, or without JavaScript, every map page still has the map the server draws as SVG.
public struct MapSettings: Sendable {
    /// Where Leaflet's files are; nil when it is not installed.
    public var leafletDirectory: String?
    /// Whether marker clustering (Debian's `libjs-leaflet.markercluster`) is installed beside it.
    public var hasClustering = false
    /// A tile address like `https://tiles.example.gov.uk/{z}/{x}/{y}.png`.
    public var tiles: String?
    /// The words the tile provider asks to be shown on the map.
    public var attribution: String = ""

    public static let defaultLeafletDirectory = "/usr/share/javascript/leaflet"

    public init() {}

    /// Reads `PORTAL_LEAFLET_DIR`, `PORTAL_MAP_TILES` and `PORTAL_MAP_ATTRIBUTION`.
    static func fromEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> MapSettings {
        var settings = MapSettings()
        let directory = environment["PORTAL_LEAFLET_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultLeafletDirectory
        settings.leafletDirectory = FileManager.default.fileExists(atPath: directory + "/leaflet.js") ? directory : nil
        settings.hasClustering = settings.leafletDirectory != nil && FileManager.default.fileExists(atPath: directory + "/leaflet.markercluster.js")
        if let tiles = environment["PORTAL_MAP_TILES"], !tiles.isEmpty {
            guard origin(of: tiles) != nil, ["{z}", "{x}", "{y}"].allSatisfy(tiles.contains), TextRules.isSingleLine(tiles),
                  !tiles.contains("\""), !tiles.contains(";"), !tiles.contains(" ")
            else {
                throw ConfigurationError("PORTAL_MAP_TILES must be an https:// (or http://) address with {z}, {x} and {y} in it, like https://tiles.example.gov.uk/{z}/{x}/{y}.png (got \"\(tiles)\")")
            }
            settings.tiles = tiles
        }
        let attribution = environment["PORTAL_MAP_ATTRIBUTION"] ?? ""
        guard TextRules.isSingleLine(attribution), attribution.count <= 300 else {
            throw ConfigurationError("PORTAL_MAP_ATTRIBUTION must be one line of up to 300 characters")
        }
        settings.attribution = attribution.trimmingWhitespace()
        return settings
    }

    /// `https://host[:port]` of a tile address, for the Content-Security-Policy's `img-src`. A
    /// host starting `{s}.` (the tile server's several names, `a.`, `b.`, `c.`) allows `*.` of the
    /// rest; any other placeholder in the host is refused, as its origin cannot be known.
    static func origin(of address: String) -> String? {
        let shared = address.range(of: "://{s}.") != nil
        let concrete = address.replacingOccurrences(of: "://{s}.", with: "://s.")
        guard let url = URL(string: concrete.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")),
              let scheme = url.scheme?.lowercased(), ["https", "http"].contains(scheme),
              let host = url.host?.lowercased(), !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }),
              let written = concrete.split(separator: "/").dropFirst().first, !written.contains("{")
        else { return nil }
        return "\(scheme)://\(shared ? "*." + host.dropFirst(2) : host)" + (url.port.map { ":\($0)" } ?? "")
    }

    /// The origin images may also come from, beside the portal itself.
    var tileOrigin: String? { tiles.flatMap(Self.origin(of:)) }

    /// Leaflet's files the portal serves, by the name it serves them under.
    static let leafletFiles: [String: (path: String, type: HTTPMediaType)] = {
        let script = HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"])
        let css = HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"])
        let png = HTTPMediaType(type: "image", subType: "png")
        return [
            "leaflet.js": ("leaflet.js", script), "leaflet.css": ("leaflet.css", css),
            "leaflet.markercluster.js": ("leaflet.markercluster.js", script),
            "MarkerCluster.css": ("MarkerCluster.css", css), "MarkerCluster.Default.css": ("MarkerCluster.Default.css", css),
            "images/marker-icon.png": ("images/marker-icon.png", png), "images/marker-icon-2x.png": ("images/marker-icon-2x.png", png),
            "images/marker-shadow.png": ("images/marker-shadow.png", png), "images/layers.png": ("images/layers.png", png),
            "images/layers-2x.png": ("images/layers-2x.png", png),
        ]
    }()

}

/// `/leaflet/...`: Leaflet's own files, from the copy the operating system installed. Only the
/// files named in `MapSettings.leafletFiles` are served; they change with the package, so the
/// browser is told to keep them for a day.
enum LeafletFiles {
    @Sendable static func serve(_ request: Request) async throws -> Response {
        let name = request.parameters.getCatchall().joined(separator: "/")
        guard let directory = request.application.portal.map.leafletDirectory, let file = MapSettings.leafletFiles[name] else {
            throw Abort(.notFound)
        }
        let response = try await request.fileio.asyncStreamFile(at: directory + "/" + file.path)
        response.headers.contentType = file.type
        response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=86400")
        return response
    }
}
