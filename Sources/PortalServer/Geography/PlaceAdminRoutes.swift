import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The administrator's places page: what the map holds (boundaries of each level, asset layers,
/// the gazetteer) and a form to load a file of each kind, through the same imports as
/// `portal geography` (`GeographyImport`). A refused file changes nothing, and the page says
/// what is wrong and where in the file.
enum PlaceAdminRoutes {
    /// The three forms, by the last part of their address.
    enum Form: String, CaseIterable {
        case boundaries, assets, addresses

        /// The file input's id, where the error summary's link lands.
        var fileField: String {
            switch self {
            case .boundaries: "boundary-file"
            case .assets: "asset-file"
            case .addresses: "address-file"
            }
        }

        func maxBytes(_ limits: GeographyUploadLimits) -> Int {
            (self == .boundaries ? GeographyImport.boundaries(.district) : .addresses).maxBytes(limits)
        }
    }

    /// The text fields each form may send back, kept to fill the form in again.
    static let textFields = ["boundary-level", "asset-layer", "asset-code", "asset-name", "asset-noun"]

    struct Level {
        let kind: PlaceIndex.Kind
        let places: Int
        let boundaries: Int
    }

    struct Layer: Decodable {
        let code: String
        let name: String
        let noun: String
        let assets: Int
    }

    /// The form that came back, as typed, with its problems.
    struct Posted {
        var fields: [String: String] = [:]
        var errors = FormErrors()
        var status: HTTPResponseStatus?
    }

    struct Model {
        var csrfToken: String
        var levels: [Level]
        var layers: [Layer]
        var addresses: Int
        var limits: GeographyUploadLimits
        var posted: Posted
    }

    private struct Counts: Decodable {
        let districts: Int
        let divisions: Int
        let parishes: Int
        let addresses: Int
    }

    static func query(_ posted: Posted, csrfToken: String, limits: GeographyUploadLimits, on db: any Database) async throws -> Model {
        let sql = db.sql
        let counts = try await sql.raw("""
            SELECT (SELECT COUNT(*) FROM districts) AS districts, (SELECT COUNT(*) FROM divisions) AS divisions,
                   (SELECT COUNT(*) FROM parishes) AS parishes, (SELECT COUNT(*) FROM gazetteer) AS addresses
            """).first(decoding: Counts.self) ?? Counts(districts: 0, divisions: 0, parishes: 0, addresses: 0)
        var boundaries: [String: Int] = [:]
        for row in try await sql.raw("SELECT kind, COUNT(*) AS n FROM boundaries GROUP BY kind").all() {
            boundaries[try row.decode(column: "kind", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        let places: [PlaceIndex.Kind: Int] = [.district: counts.districts, .division: counts.divisions, .parish: counts.parishes]
        let layers = try await Self.layers(on: db)
        return Model(csrfToken: csrfToken,
                     levels: GeographyImport.levels.map { Level(kind: $0.kind, places: places[$0.kind] ?? 0, boundaries: boundaries[$0.kind.rawValue] ?? 0) },
                     layers: layers, addresses: counts.addresses, limits: limits, posted: posted)
    }

    /// Every asset layer with the number of its assets.
    static func layers(on db: any Database) async throws -> [Layer] {
        try await db.sql.raw("""
            SELECT l.code, l.name, l.noun, COUNT(a.id) AS assets FROM asset_layers l LEFT JOIN assets a ON a.layer_id = l.id
            GROUP BY l.id, l.code, l.name, l.noun ORDER BY l.name
            """).all(decoding: Layer.self)
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        try await respond(request, Posted())
    }

    private static func respond(_ request: Request, _ posted: Posted) async throws -> Response {
        let model = try await query(posted, csrfToken: request.csrfToken, limits: request.application.portal.geographyUploads, on: request.db)
        return request.render(page(model))
    }

    /// A file of one kind, streamed in up to its limit, checked, then loaded whole or not at all.
    @Sendable static func load(_ request: Request) async throws -> Response {
        guard let form = request.parameters.get("form").flatMap(Form.init(rawValue:)) else { throw Abort(.notFound) }
        let received = await StreamedForm.receiveFile(request, limit: form.maxBytes(request.application.portal.geographyUploads))
        var posted = Posted()
        for name in textFields { posted.fields[name] = received.fields[name].map { String($0.prefix(200)) } }
        let data: Data
        switch received.file {
        case .success(let file): data = file.data
        case .failure(let problem):
            posted.errors.add(form.fileField, "\(problem.message). Nothing was changed")
            posted.status = problem.status
            return try await respond(request, posted)
        }
        let layers = try await Self.layers(on: request.db)
        let file: GeographyImport
        switch choose(form, fields: posted.fields, layers: layers) {
        case .success(let chosen): file = chosen
        case .failure(let errors):
            posted.errors = errors
            return try await respond(request, posted)
        }
        do {
            let summary = try await file.run(data, by: request.currentUser?.id, at: request.now, app: request.application, on: request.db)
            return request.seeOther("/admin/places", flash: "\(summary).")
        } catch let problem as ImportProblem {
            posted.errors.add(form.fileField, "\(problem.text). Nothing was changed")
            return try await respond(request, posted)
        }
    }

    /// What the form's text fields ask to load: which level of boundaries, or which asset layer
    /// (one of `layers`, or a new one with its code, name and noun).
    static func choose(_ form: Form, fields: [String: String], layers: [Layer]) -> Result<GeographyImport, FormErrors> {
        var errors = FormErrors()
        func value(_ name: String) -> String { (fields[name] ?? "").trimmingWhitespace() }
        switch form {
        case .addresses:
            return .success(.addresses)
        case .boundaries:
            guard let level = GeographyImport.levels.first(where: { $0.word == value("boundary-level") }) else {
                errors.add("boundary-level", "Choose which boundaries the file holds")
                return .failure(errors)
            }
            return .success(.boundaries(level.kind))
        case .assets:
            let chosen = value("asset-layer")
            let existing = layers.first { $0.code == chosen }
            let code = existing?.code ?? value("asset-code").lowercased()
            if existing == nil {
                if chosen != "new" { errors.add("asset-layer", "Choose a layer from the list") }
                if code.isEmpty { errors.add("asset-code", "Enter a code for the new layer, like street-lights") }
                if layers.contains(where: { $0.code == code }) {
                    errors.add("asset-code", "There is already a layer with the code \(code); choose it from the list to replace its assets")
                }
                if value("asset-name").isEmpty { errors.add("asset-name", "Enter the new layer's name, like Street lights") }
                if value("asset-noun").isEmpty { errors.add("asset-noun", "Enter what one of its assets is called, like street light") }
            }
            guard errors.isEmpty else { return .failure(errors) }
            let name = value("asset-name").nonEmpty ?? existing?.name ?? ""
            let noun = value("asset-noun").nonEmpty ?? existing?.noun ?? ""
            do {
                return .success(.assets(try AssetImport.Layer.check(code: code, name: name, noun: noun)))
            } catch let problem as ImportProblem {
                let field = problem.place.hasSuffix("code") ? "asset-code" : problem.place.hasSuffix("name") ? "asset-name" : "asset-noun"
                errors.add(field, problem.text)
                return .failure(errors)
            } catch {
                errors.add("asset-layer", "Check the layer's details")
                return .failure(errors)
            }
        }
    }

    static func page(_ model: Model) -> Page {
        let posted = model.posted, errors = posted.errors, fields = posted.fields
        let geoJSONLimit = DocumentSettings.size(Form.boundaries.maxBytes(model.limits))
        let csvLimit = DocumentSettings.size(Form.assets.maxBytes(model.limits))
        return Page(title: "Places", section: .users, status: posted.status ?? (errors.isEmpty ? .ok : .unprocessableEntity),
                    hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            h1 { "Places: boundaries, assets and addresses" }
            para {
                "The enquiry form and its map place enquiries with these. Each file is loaded whole or not at all: a file with any problem changes nothing, and the problem is shown with the feature or line it is in."
            }

            h2(.id("loaded")) { "Loaded now" }
            div(.class("table-scroll")) {
                table(.class("table")) {
                    caption { "Boundaries" }
                    thead { tr { th(.scopeCol) { "Level" }; th(.scopeCol) { "Places" }; th(.scopeCol) { "With a boundary" } } }
                    tbody {
                        for level in model.levels {
                            tr {
                                th(.scopeRow) { GeographyImport.plural(level.kind).capitalized }
                                td { level.places.formatted() }
                                td { level.boundaries.formatted() }
                            }
                        }
                    }
                }
            }
            if model.layers.isEmpty {
                para { "No asset layers have been loaded." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption { "Asset layers" }
                        thead { tr { th(.scopeCol) { "Layer" }; th(.scopeCol) { "Code" }; th(.scopeCol) { "One of them is a" }; th(.scopeCol) { "Assets" } } }
                        tbody {
                            for layer in model.layers {
                                tr {
                                    th(.scopeRow) { layer.name }
                                    td { layer.code }
                                    td { layer.noun }
                                    td { layer.assets.formatted() }
                                }
                            }
                        }
                    }
                }
            }
            para { model.addresses == 1 ? "The address gazetteer holds 1 address." : "The address gazetteer holds \(model.addresses.formatted()) addresses." }

            h2(.id("boundaries")) { "Load boundaries" }
            uploadForm(.boundaries, model, file: "GeoJSON file",
                       hint: "A FeatureCollection of Polygons or MultiPolygons, in longitude and latitude or naming EPSG:27700 as its crs, up to \(geoJSONLimit). Each feature has a name, and may have a code and a population. A place already here, matched by its code and then its name, keeps its enquiries.",
                       accept: ".geojson,.json,application/geo+json,application/json", button: "Load the boundaries") {
                radios("boundary-level", legend: "The file holds",
                       choices: GeographyImport.levels.map { Choice(value: $0.word, label: $0.word.capitalized) },
                       selected: fields["boundary-level"], errors: errors,
                       hint: "Load districts first: a division or parish is filed under the district named by its district property, or else the district that holds it.")
            }

            h2(.id("assets")) { "Load an asset layer" }
            uploadForm(.assets, model, file: "GeoJSON or CSV file",
                       hint: "GeoJSON Points, or CSV with the columns id, type and label and either easting and northing or latitude and longitude, up to \(csvLimit). The file replaces every asset of the layer.",
                       accept: ".geojson,.json,.csv,application/geo+json,application/json,text/csv", button: "Load the assets") {
                selectField("asset-layer", label: "Layer",
                            choices: [Choice(value: "new", label: "A new layer")]
                                + model.layers.map { Choice(value: $0.code, label: "\($0.name): replace its \($0.assets.formatted()) assets") },
                            selected: fields["asset-layer"] ?? "new", errors: errors, placeholder: nil)
                textField("asset-code", label: "Code of a new layer", value: fields["asset-code"], errors: errors,
                          FieldOptions(hint: "Lower-case letters, digits and dashes, like street-lights. Not needed for a layer already here.",
                                       autocomplete: "off", width: "medium", spellcheck: false))
                textField("asset-name", label: "Name of the layer", value: fields["asset-name"], errors: errors,
                          FieldOptions(hint: "Like Street lights. For a layer already here, leave it empty to keep its name.", autocomplete: "off", width: "medium"))
                textField("asset-noun", label: "What one of its assets is called", value: fields["asset-noun"], errors: errors,
                          FieldOptions(hint: "Like street light. For a layer already here, leave it empty to keep it.", autocomplete: "off", width: "medium"))
            }

            h2(.id("addresses")) { "Load the address gazetteer" }
            uploadForm(.addresses, model, file: "CSV file",
                       hint: "Columns address and postcode, optionally uprn, and either easting and northing or latitude and longitude, up to \(csvLimit). The file replaces the whole gazetteer.",
                       accept: ".csv,text/csv", button: "Load the addresses") {}
        }
    }

    /// One of the page's forms: a plain multipart form (its token in its address, as a streamed
    /// form's must be), its own fields, then the file and the button.
    private static func uploadForm(_ form: Form, _ model: Model, file label: String, hint: String, accept: String, button: String,
                                   @HTMLBuilder fields: HTMLContent) -> HTMLNode {
        htmlForm(.method("post"), .action("/admin/places/\(form.rawValue)?\(CSRFMiddleware.formField)=\(model.csrfToken)"),
                 .attr("enctype", "multipart/form-data"), .novalidate) {
            fields()
            fileField(form.fileField, label: label, errors: model.posted.errors, hint: hint, multiple: false, accept: accept)
            submitButton(button)
        }
    }
}
