import Fluent
import PortalCore
import Vapor

/// Where an enquiry is, on its form: what the map in the browser does, also as a plain form.
/// "Check the spot" reads the typed point, fills the district, division and parish holding it,
/// snaps to the nearest asset of the chosen layer within 30 m, and lists open enquiries of the
/// same type within 50 m, all before the enquiry is sent.
extension EnquiryFormRoutes {
    struct PlaceCheck: Sendable {
        var message: String?
        var errors = FormErrors()

        static var noAddressTyped: PlaceCheck {
            var check = PlaceCheck()
            check.errors.add("find-address", "Enter a postcode or the words of an address to find it")
            return check
        }
    }

    static func checkPlace(_ posted: inout Posted, request: Request) async throws -> PlaceCheck {
        var check = PlaceCheck()
        let point: GridPoint
        switch TypedLocation.parse(posted.form.point) {
        case .failure(.empty):
            check.errors.add(EnquiryField.point.key, "Enter a grid reference or coordinates, or find an address, to check the spot")
            return check
        case .failure(let problem):
            check.errors.add(EnquiryField.point.key, problem.message)
            return check
        case .success(let typed): point = typed.point
        }
        let places = try await request.places()
        guard places.isEmpty || places.covers(point) else {
            check.errors.add(EnquiryField.point.key, "That place is outside the council's area; check the reference or pick the spot on the map")
            return check
        }
        var spot = point
        var snapped = ""
        if let layerID = posted.assetLayer.flatMap(UUID.init(uuidString:)),
           let layer = try await Places.layers(on: request.db).first(where: { $0.id == layerID }) {
            if let near = try await Places.nearestAsset(to: point, layers: [layerID], on: request.db) {
                posted.form.asset = near.choice.key
                spot = near.point
                snapped = " It is about \(near.label) (\(near.reference)), \(Int(near.distance.rounded())) m away."
            } else {
                posted.form.asset = ""
                snapped = " No \(layer.noun) is within 30 m, so the spot is kept as it is."
            }
        } else if let asset = try await Places.asset(posted.form.asset.trimmingWhitespace(), on: request.db),
                  asset.point.distance(to: point) <= 30 {
            snapped = " It is about \(asset.label) (\(asset.reference))."
        } else {
            // No layer chosen, and no asset at the spot: an asset left from an earlier place goes.
            posted.form.asset = ""
        }
        posted.form.point = PlaceRoutes.reference(spot)
        // The places holding the spot as it ends, on the asset when it moved there.
        let placement = places.locate(spot)
        if let district = placement.district { posted.form.districtID = district.uuidString }
        if let division = placement.division { posted.form.divisionID = division.uuidString }
        if let parish = placement.parish { posted.form.parishID = parish.uuidString }
        let data = try await request.referenceData()
        check.message = "The spot is at \(PlaceRoutes.reference(spot))" + (data.name(placement.division).map { ", in \($0) division" } ?? "") + "." + snapped
        return check
    }

    /// What the form shows of the place: the map's start, the layers to snap to, the asset chosen
    /// and the open enquiries of the same type nearby. Nil when the council has neither
    /// boundaries nor assets.
    static func placeModel(_ form: EnquiryForm, assetLayer: String?, editing: UUID?, actor: EnquiryActor,
                           request: Request) async throws -> EnquiryFormPage.PlaceModel? {
        let places = try await request.places()
        let layers = try await Places.layers(on: request.db)
        guard !places.isEmpty || !layers.isEmpty else { return nil }
        var model = EnquiryFormPage.PlaceModel(layers: layers, assetLayer: assetLayer, editing: editing)
        model.centre = places.centre.map(BritishNationalGrid.geo)
        let key = form.asset.trimmingWhitespace()
        if !key.isEmpty { model.asset = try await Places.asset(key, on: request.db) }
        if case .success(let typed) = TypedLocation.parse(form.point) {
            model.spot = BritishNationalGrid.geo(typed.point)
            if let type = UUID(uuidString: form.typeID) {
                model.nearby = try await NearbyEnquiries.near(typed.point, typeID: type, excluding: editing, viewer: actor.viewer,
                                                              data: try await request.referenceData(), on: request.db)
            }
        }
        return model
    }
}

extension EnquiryFormRoutes.Posted {
    /// Whether the person asked to check the spot: the button, or Enter in a field of the form,
    /// which presses the form's first button. It never sends the enquiry.
    func checksPlace(intent: String?) -> Bool {
        (intent ?? self.intent) == "check-place"
    }
}
