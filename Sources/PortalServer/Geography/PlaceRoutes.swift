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

    private static func nearestAsset(_ point: GridPoint, request: Request) async throws -> Response {
        guard let near = try await Places.nearestAsset(to: point, on: request.db) else {
            return try json([Asset]())
        }
        let geo = BritishNationalGrid.geo(near.point)
        return try json([Asset(key: near.choice.key, reference: near.reference, label: near.label, latitude: geo.latitude,
                               longitude: geo.longitude, gridReference: reference(near.point), metres: (near.distance * 10).rounded() / 10)])
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
}
