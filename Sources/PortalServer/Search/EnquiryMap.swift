import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// A search's enquiries on a map: `/search/map` with the search page's own address after `?`, so
/// a map of a result is one click from it and always agrees with it (the same criteria, the same
/// access rule, `EnquirySearch.matching`). The server draws the map (the council's boundaries, the
/// enquiries gathered into numbered clusters) with a table of the same enquiries beside it for
/// screen readers and keyboards; with Leaflet the map in the browser (`MapScript`) shows each
/// enquiry as a marker linking to it, clustered where dense, from `/search/map.json`.
enum EnquiryMap {
    /// The newest this many placed enquiries are shown, so the map stays quick on any search.
    static let limit = 20_000
    static let tablePageSize = 50

    struct Point: Sendable {
        let id: UUID
        let reference: String
        let subject: String
        let status: EnquiryStatus
        let createdAt: Date
        let grid: GridPoint
        let latitude: Double
        let longitude: Double
    }

    /// The placed enquiries the search finds, newest first, up to `limit` (and one more, to tell
    /// that there were more).
    static func points(_ criteria: SearchCriteria, viewer: EnquirySearch.Viewer, clock: WorkingDayClock, now: Date,
                       on db: any Database) async throws -> [Point] {
        func column(_ name: String) -> SQLColumn { SQLColumn(name, table: Enquiry.schema) }
        var select = EnquirySearch.matching(criteria, viewer: viewer, clock: clock, now: now, on: db)
        for name in ["id", "reference", "subject", "status", "created_at", "easting", "northing", "latitude", "longitude"] {
            select = select.column(column(name))
        }
        select = select.where(column("easting"), .isNot, SQLLiteral.null)
            .orderBy(SQLOrderBy(expression: column("created_at"), direction: SQLDirection.descending))
            .orderBy(SQLOrderBy(expression: column("id"), direction: SQLDirection.descending))
            .limit(limit + 1)
        return try await select.all().compactMap { row in
            let r = RowReader(row, on: db.sql)
            guard let grid = GridPoint(easting: try r.double("easting"), northing: try r.double("northing")) else { return nil }
            return Point(id: try r.uuid("id"), reference: try r.string("reference"), subject: try r.string("subject"),
                         status: EnquiryStatus(rawValue: try r.string("status")) ?? .submitted, createdAt: try r.date("created_at"),
                         grid: grid, latitude: try r.double("latitude"), longitude: try r.double("longitude"))
        }
    }

    struct Model {
        let fields: [String: String]
        let errors: FormErrors
        let viewer: EnquirySearch.Viewer
        let points: [Point]
        let page: Int
        let places: PlaceIndex
        let hasLeaflet: Bool
    }

    static func query(_ request: Request, paged: Bool = true) async throws -> Model {
        let fields = SearchRoutes.fields(request)
        let page = paged ? try request.pageNumber(fields["page"], maximum: limit / tablePageSize + 1) : 1
        let (criteria, errors) = SearchCriteria.parse(fields.filter { $0.key != "page" })
        let viewer = try await SearchRoutes.viewer(request, fields: fields)
        let clock = try await request.serviceLevels().clock
        let points = errors.isEmpty ? try await points(criteria, viewer: viewer, clock: clock, now: request.now, on: request.db) : []
        return Model(fields: fields, errors: errors, viewer: viewer, points: points, page: page, places: try await request.places(),
                     hasLeaflet: request.application.portal.map.leafletDirectory != nil)
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        request.render(page(try await query(request)))
    }

    struct Marker: Content {
        let id: UUID
        let reference: String
        let subject: String
        let status: String
        let latitude: Double
        let longitude: Double
    }

    struct Markers: Content {
        let enquiries: [Marker]
        let more: Bool
    }

    @Sendable static func json(_ request: Request) async throws -> Response {
        let model = try await query(request, paged: false)
        if let problem = model.errors.all.first {
            return try PlaceRoutes.json(PlaceRoutes.Problem(error: problem.message), status: .unprocessableEntity)
        }
        let forMember = model.viewer.scope == .mine
        return try PlaceRoutes.json(Markers(enquiries: model.points.prefix(limit).compactMap { point in
            GeoPoint(latitude: point.latitude, longitude: point.longitude).map(\.rounded).map {
                Marker(id: point.id, reference: point.reference, subject: point.subject, status: point.status.label(forMember: forMember),
                       latitude: $0.latitude, longitude: $0.longitude)
            }
        }, more: model.points.count > limit))
    }

    static func page(_ model: Model) -> Page {
        let query = SearchRoutes.queryString(model.fields.filter { $0.key != "page" })
        let shown = Array(model.points.prefix(limit))
        let forMember = model.viewer.scope == .mine
        let title = "Map of enquiries"
        var picture: MapPicture?
        if !model.places.isEmpty {
            picture = MapPicture.council(model.places)
            picture?.marks = MapPicture.clusters(shown.map(\.grid).filter(model.places.bounds.contains), in: model.places.bounds)
        }
        let drawn = picture?.marks.reduce(0) { $0 + $1.count } ?? 0
        return Page(title: title, section: .search, status: model.errors.isEmpty ? .ok : .unprocessableEntity, hasErrors: !model.errors.isEmpty,
                    hasMap: true) {
            errorSummary(model.errors)
            link("/search?\(query)", .class("back-link")) { "Back to the search" }
            h1 { title }
            para(.class("lead"), .attr("role", "status")) {
                shown.isEmpty ? "No enquiries with a place on the map match this search."
                    : shown.count == 1 ? "1 enquiry with a place on the map matches this search."
                    : "\(shown.count.formatted()) enquiries with a place on the map match this search\(model.points.count > limit ? "; these are the newest" : "")."
            }
            para(.class("secondary-text")) { "Enquiries without a spot are not on the map; the search lists them all." }
            if let picture {
                element("figure", [.class("map-figure"), .id("map-picture")]) {
                    picture.svg(title: "Map of the council with \(drawn.formatted()) enquiries, gathered into numbered circles where they lie close together")
                    element("figcaption", [.class("secondary-text")]) {
                        "Each red circle holds the number of enquiries near it; lines show district, division and parish boundaries. The table lists the same enquiries."
                    }
                }
                if model.hasLeaflet {
                    let centre = model.places.centre.map(BritishNationalGrid.geo).map { "\($0.latitude),\($0.longitude)" } ?? ""
                    element("div", [.class("enquiry-map"), .data("enquiry-map", ""), .data("points", "/search/map.json?\(query)"), .data("centre", centre),
                                    .data("boundaries", "/places/boundaries"), .data("replaces", "map-picture"),
                                    .data("label", "Map of the enquiries. Arrow keys move it, plus and minus zoom. Clicked, a marker shows a link to its enquiry; the table below lists them all."), .hidden]) {
                        div(.class("map-canvas")) {}
                    }
                }
            }
            table(shown, page: model.page, forMember: forMember, query: query)
        }
    }

    private static func table(_ points: [Point], page: Int, forMember: Bool, query: String) -> HTMLNode {
        let first = (page - 1) * tablePageSize
        let rows = first < points.count ? Array(points[first..<min(points.count, first + tablePageSize)]) : []
        return section(.aria("labelledby", "map-table-heading")) {
            h2(.id("map-table-heading")) { "The enquiries on the map" }
            if points.count > tablePageSize, !rows.isEmpty {
                para(.class("secondary-text")) { "Showing \(first + 1) to \(first + rows.count), newest first" }
            }
            if !rows.isEmpty {
                div(.class("table-scroll")) {
                    HTMLNode.element("table", [.class("table")], [
                        thead {
                            tr {
                                th(.scopeCol) { "Enquiry" }
                                th(.scopeCol) { "Status" }
                                th(.scopeCol) { "Grid reference" }
                                th(.scopeCol) { "Raised" }
                            }
                        },
                        tbody {
                            for point in rows {
                                tr {
                                    td { link("/enquiries/\(point.id.uuidString)") { "\(point.reference): \(point.subject)" } }
                                    td { point.status.label(forMember: forMember) }
                                    td { GridReference.text(point.grid) ?? point.grid.text }
                                    td { point.createdAt.councilDate }
                                }
                            }
                        },
                    ])
                }
            }
            pagination(total: points.count, page: page, pageSize: tablePageSize) { "/search/map?\(query)\(query.isEmpty ? "" : "&")page=\($0)" }
        }
    }
}
