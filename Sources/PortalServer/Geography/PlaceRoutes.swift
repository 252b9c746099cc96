import Fluent
import Foundation
import PortalCore
import Vapor

/// The places the map in the browser asks about, as JSON for a signed-in person: what a typed
/// or clicked point is (its grid reference and the district, division and parish holding it),
/// the nearest asset to it, and gazetteer matches. A bad point answers 422 with the same message
/// the form gives.
enum PlaceRoutes {
    struct Named: Content { let id: UUID; let name: String }

    struct Located: Content {
        let latitude: Double
        let longitude: Double
        let easting: Int
        let northing: Int
        let gridReference: String
        let district: Named?
        let division: Named?
        let parish: Named?
    }

    struct Asset: Content {
        /// As the enquiry form's `asset` field takes it.
        let key: String
        let reference: String
        let label: String
        let latitude: Double
        let longitude: Double
        let gridReference: String
        let metres: Double

        init(_ asset: AssetChoice, metres: Double) {
            let geo = BritishNationalGrid.geo(asset.point).rounded
            key = asset.key
            reference = asset.reference
            label = asset.label
            latitude = geo.latitude
            longitude = geo.longitude
            gridReference = PlaceRoutes.reference(asset.point)
            self.metres = metres
        }
    }

    struct Address: Content {
        let address: String
        let postcode: String
        let latitude: Double
        let longitude: Double
        let gridReference: String
    }

    struct Problem: Content { let error: String }

    static func json(_ value: some Encodable, status: HTTPResponseStatus = .ok) throws -> Response {
        let response = Response(status: status, body: .init(data: try JSONEncoder().encode(value)))
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// Answers with `body` for the point the request names in `point` (any way the form accepts
    /// one), or with 422 and the form's message.
    static func withPoint(_ request: Request, _ body: (GridPoint) async throws -> Response) async throws -> Response {
        switch TypedLocation.parse(request.query[String.self, at: "point"] ?? "") {
        case .success(let typed): try await body(typed.point)
        case .failure(let problem): try json(Problem(error: problem.message), status: .unprocessableEntity)
        }
    }

    static func reference(_ point: GridPoint) -> String { GridReference.text(point) ?? point.text }

    @Sendable static func locate(_ request: Request) async throws -> Response {
        try await withPoint(request) { point in try await locate(point, request: request) }
    }

    private static func locate(_ point: GridPoint, request: Request) async throws -> Response {
        let places = try await request.places()
        guard places.covers(point) else {
            return try json(Problem(error: "That place is outside the council's area"), status: .unprocessableEntity)
        }
        let placement = places.locate(point)
        let data = try await request.referenceData()
        func named(_ id: UUID?) -> Named? { id.flatMap { id in data.name(id).map { Named(id: id, name: $0) } } }
        let geo = BritishNationalGrid.geo(point)
        return try json(Located(latitude: geo.latitude, longitude: geo.longitude, easting: Int(point.easting.rounded()),
                                northing: Int(point.northing.rounded()), gridReference: reference(point),
                                district: named(placement.district), division: named(placement.division), parish: named(placement.parish)))
    }

    @Sendable static func nearestAsset(_ request: Request) async throws -> Response {
        try await withPoint(request) { point in try await nearestAsset(point, request: request) }
    }

    /// The layer the map snaps to, when the address names one.
    static func layer(_ request: Request) -> [UUID]? {
        (request.query[String.self, at: "layer"]).flatMap(UUID.init(uuidString:)).map { [$0] }
    }

    private static func nearestAsset(_ point: GridPoint, request: Request) async throws -> Response {
        guard let near = try await Places.nearestAsset(to: point, layers: layer(request), on: request.db) else {
            return try json([Asset]())
        }
        return try json([Asset(near.choice, metres: (near.distance * 10).rounded() / 10)])
    }

    @Sendable static func addresses(_ request: Request) async throws -> Response {
        let text = String((request.query[String.self, at: "q"] ?? "").prefix(100))
        let found = try await Gazetteer.search(text, on: request.db)
        return try json(found.map { address in
            let geo = BritishNationalGrid.geo(address.point)
            return Address(address: address.address, postcode: address.postcode, latitude: geo.latitude, longitude: geo.longitude,
                           gridReference: reference(address.point))
        })
    }

    /// The council's boundaries as GeoJSON in latitude and longitude, for the map in the browser:
    /// each place's kind and name, coordinates to six decimal places (about 10 cm).
    @Sendable static func boundaries(_ request: Request) async throws -> Response {
        let response = Response(status: .ok, body: .init(data: try await request.application.placeIndexCache.get(on: request.db).geoJSON))
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=300")
        return response
    }

    /// Assets shown on the map are asked for a view at a time: at most this many, in a view at
    /// most this many metres across (a street or two), so that a map zoomed out asks for none.
    static let assetLimit = 500
    static let assetViewMetres: Double = 3_000

    struct AssetsInView: Content {
        let assets: [Asset]
        /// The view was too wide to list its assets: zoom in to see them.
        let zoomIn: Bool
    }

    /// `/places/assets?bbox=west,south,east,north`: the assets inside the map's view, in the
    /// layer asked for (every layer when none is).
    @Sendable static func assets(_ request: Request) async throws -> Response {
        let numbers = (request.query[String.self, at: "bbox"] ?? "").prefix(200).split(separator: ",").compactMap { Double($0) }
        // The view's four corners on the grid: a view is not square on it.
        let corners = numbers.count != 4 ? [] : [(numbers[1], numbers[0]), (numbers[3], numbers[2]), (numbers[1], numbers[2]), (numbers[3], numbers[0])]
            .compactMap { GeoPoint(latitude: $0.0, longitude: $0.1) }.compactMap(BritishNationalGrid.grid)
        guard corners.count == 4 else {
            return try json(Problem(error: "Give the view as bbox=west,south,east,north in degrees, inside Great Britain"), status: .unprocessableEntity)
        }
        let window = GridBounds(corners)
        guard window.maxEasting - window.minEasting <= assetViewMetres, window.maxNorthing - window.minNorthing <= assetViewMetres else {
            return try json(AssetsInView(assets: [], zoomIn: true))
        }
        let rows = try await Places.assets(in: window, layers: layer(request), limit: assetLimit, on: request.db)
        return try json(AssetsInView(assets: rows.compactMap { row in
            GridPoint(easting: row.easting, northing: row.northing)
                .map { Asset(AssetChoice(layerID: row.layer_id, reference: row.reference, label: row.label, point: $0), metres: 0) }
        }, zoomIn: false))
    }

    /// `/places/nearby-enquiries?point=...&type=...&except=...`: open enquiries of that type within
    /// 50 m of the point (`NearbyEnquiries`).
    @Sendable static func nearbyEnquiries(_ request: Request) async throws -> Response {
        try await withPoint(request) { point in
            guard let type = request.query[String.self, at: "type"].flatMap(UUID.init(uuidString:)) else {
                return try json(Problem(error: "Give the type of enquiry as type=ID"), status: .unprocessableEntity)
            }
            let actor = try request.enquiryActor()
            return try json(NearbyEnquiries.Answer(try await NearbyEnquiries.near(
                point, typeID: type, excluding: request.query[String.self, at: "except"].flatMap(UUID.init(uuidString:)),
                viewer: actor.viewer, data: try await request.referenceData(), on: request.db)))
        }
    }
}
