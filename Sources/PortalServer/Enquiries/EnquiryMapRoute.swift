import Fluent
import Foundation
import PortalCore
import Vapor

/// `/enquiries/:id/map.svg`: the enquiry's spot on a map drawn by the server, for whoever may see
/// the enquiry. The page asks for it with the enquiry's version in the address, so the browser
/// keeps it until the enquiry changes and the page itself stays quick.
enum EnquiryMapRoute {
    @Sendable static func show(_ request: Request) async throws -> Response {
        let actor = try request.enquiryActor()
        let loaded = try await EnquiryWorkflow.load(try EnquiryFormRoutes.enquiryID(request), for: actor, on: request.db)
        guard let point = loaded.enquiry.point else { throw Abort(.notFound) }
        var map = MapPicture.around(point, places: try await request.places())
        // The council's assets nearby, faint: street lights and gullies trace the roads.
        map.marks = try await Places.assetPositions(in: map.window, on: request.db).map { .init(label: "", point: $0, style: .nearby) }
        if let asset = loaded.enquiry.asset {
            map.marks.append(.init(label: asset.name, point: asset.point, style: .asset))
        }
        let reference = GridReference.text(point) ?? point.text
        map.marks.append(.init(label: "The spot: \(reference)", point: point, style: .spot))
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "image", subType: "svg+xml", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=86400")
        return Response(status: .ok, headers: headers,
                        body: .init(string: map.document(title: "Map of the spot at grid reference \(reference), with the boundaries around it")))
    }
}
