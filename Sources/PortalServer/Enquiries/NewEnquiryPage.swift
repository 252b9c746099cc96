import PortalCore
import Vapor

/// The form for a new enquiry, or for editing one (a Member's draft, a co-ordinator's details).
enum EnquiryFormPage {
    struct Model {
        var form: EnquiryForm
        var errors: FormErrors
        var reference: ReferenceData
        /// For officers raising on a Member's behalf: the Members to choose from.
        var members: [Choice]?
        var memberID: String?
        var channel: String?
        /// The officer asked to hear of its updates.
        var follow = false
        var submissionKey: String
        /// Editing an existing enquiry: its id, reference and version.
        var editing: (id: UUID, reference: String, version: Int, isDraft: Bool)?
        /// The person's form token, and what documents a new enquiry may carry.
        var csrfToken: String
        var documentSettings: DocumentSettings
        /// An address search from the form, and what the gazetteer found.
        var addressSearch: (query: String, found: [Gazetteer.Address])?
        /// The map, the asset layers and what is near the spot; nil where the council has no places.
        var place: PlaceModel?
        /// What checking the spot found.
        var placeMessage: String?
    }

    struct PlaceModel {
        /// The middle of the council, where the map starts when the enquiry has no point yet.
        var centre: GeoPoint?
        /// The enquiry's point as typed, when it reads as one.
        var spot: GeoPoint?
        var layers: [Places.Layer]
        var assetLayer: String?
        var asset: AssetChoice?
        var nearby: [NearbyEnquiries.Nearby] = []
        /// The enquiry being edited, left out of those nearby.
        var editing: UUID?

        init(layers: [Places.Layer], assetLayer: String?, editing: UUID?) {
            self.layers = layers
            self.assetLayer = assetLayer
            self.editing = editing
        }
    }

    static func page(_ model: Model) -> Page {
        let title = model.editing.map { $0.isDraft ? "Finish your draft \($0.reference)" : "Edit \($0.reference)" }
            ?? (model.members == nil ? "New enquiry" : "Raise an enquiry for a Member")
        let errors = model.errors
        let form = model.form
        let data = model.reference
        let action = model.editing.map { "/enquiries/\($0.id.uuidString)/edit" } ?? "/enquiries"
        return Page(title: title, section: .enquiries, status: errors.isEmpty ? .ok : .unprocessableEntity, hasErrors: !errors.isEmpty,
                    hasMap: model.place?.centre != nil) {
            errorSummary(errors)
            // Without script, "Check the spot" comes back here: say what it found at the top, where the page starts.
            if let message = model.placeMessage, errors.isEmpty {
                div(.class("notification-banner"), .attr("role", "status")) {
                    para { message + " "; link("#point") { "Go to the place" } }
                }
            }
            h1 { title }
            // A new enquiry may carry documents, so its form is multipart and streamed: the token
            // and the intent travel in the address, known before the files (EnquiryFormRoutes.create).
            let newForm = model.editing == nil
            let token = "\(CSRFMiddleware.formField)=\(model.csrfToken)"
            let formAttributes: [HTMLAttribute] = [.method("post"), .action(newForm ? "\(action)?\(token)" : action), .novalidate]
                + (newForm ? [.attr("enctype", "multipart/form-data")] : [])
            element("form", formAttributes) {
                csrfField(model.csrfToken)
                input(.type("hidden"), .name("submission-key"), .value(model.submissionKey))
                if let editing = model.editing { input(.type("hidden"), .name("version"), .value(String(editing.version))) }
                if let members = model.members {
                    selectField("member", label: "Member", choices: members, selected: model.memberID, errors: errors,
                                hint: "The councillor who asked. They will own the enquiry as if they had raised it.")
                    radios("channel", legend: "How did the Member contact you?",
                           choices: EnquiryChannel.onBehalf.map { Choice(value: $0.rawValue, label: $0.label) },
                           selected: model.channel, errors: errors)
                    checkbox("follow", label: "Tell me about its updates and final response too", checked: model.follow,
                             hint: "The Member always hears of them. You can choose how, in your notification settings.")
                }
                selectField(EnquiryField.serviceArea.key, label: "Service area", choices: data.serviceAreas.map { Choice(value: $0.id.uuidString, label: $0.name) },
                            selected: form.serviceAreaID, errors: errors, hint: "Not sure? The list of service areas below says what each covers.")
                details(.class("details")) {
                    summary { "What each service area covers" }
                    summaryList(data.serviceAreas.map { ($0.name, $0.glossary) })
                }
                selectField(EnquiryField.type.key, label: "Type of enquiry", choices: data.types.map { Choice(value: $0.id.uuidString, label: $0.name) },
                            selected: form.typeID, errors: errors)
                groupedSelectField(EnquiryField.subtype.key, label: "Sub-type (for speed and improvement requests)",
                                   groups: data.types.map { ($0.name, $0.subtypes.map { Choice(value: $0.id.uuidString, label: $0.name) }) },
                                   selected: form.subtypeID, errors: errors, hint: "Choose one that belongs to the type above.", placeholder: "None")
                textField(EnquiryField.subject.key, label: "Subject", value: form.subject, errors: errors,
                          FieldOptions(hint: "A short summary, up to \(EnquiryForm.Limit.subject) characters."))
                textArea(EnquiryField.details.key, label: "Details", value: form.details, errors: errors,
                         hint: "What is the problem and what would the resident like to happen? Up to \(EnquiryForm.Limit.details) characters.", rows: 8)
                fieldset(.class("fieldset form-section")) {
                    legend(.class("fieldset-legend fieldset-legend-large")) { "The resident (optional)" }
                    div(.class("hint")) { "Personal data: seen only by you and the officers handling the enquiry, and erased when the council's retention period ends." }
                    textField(EnquiryField.residentName.key, label: "Name", value: form.residentName, errors: errors, FieldOptions(autocomplete: "off"))
                    textArea(EnquiryField.residentAddress.key, label: "Address", value: form.residentAddress, errors: errors, rows: 3)
                    textField(EnquiryField.residentPhone.key, label: "Phone", value: form.residentPhone, errors: errors, FieldOptions(autocomplete: "off", width: "short", inputMode: "tel"))
                    textField(EnquiryField.residentEmail.key, label: "Email", value: form.residentEmail, errors: errors, FieldOptions(autocomplete: "off", spellcheck: false, inputMode: "email"))
                }
                fieldset(.class("fieldset form-section")) {
                    legend(.class("fieldset-legend fieldset-legend-large")) { "Where is it?" }
                    div(.class("hint")) { "Needed for safety issues, speed and improvement requests: describe the spot, give a grid reference, or both." }
                    textField(EnquiryField.location.key, label: "Location", value: form.location, errors: errors,
                              FieldOptions(hint: "A street, landmark or postcode."))
                    if let place = model.place, let centre = place.centre { placePicker(place, centre: centre) }
                    textField(EnquiryField.point.key, label: "Grid reference or coordinates (optional)", value: form.point, errors: errors,
                              FieldOptions(hint: "A grid reference like SO 851 548, an easting and northing like 385181, 254800, or a latitude and longitude like 52.19, -2.22. The district, division and parish are filled in from it when you leave them empty.",
                                           autocomplete: "off", spellcheck: false))
                    if let place = model.place, !place.layers.isEmpty {
                        selectField("asset-layer", label: "Snap the spot to (optional)",
                                    choices: place.layers.map { Choice(value: $0.id.uuidString, label: $0.name, attributes: [.data("noun", $0.noun)]) },
                                    selected: place.assetLayer, errors: errors,
                                    hint: "The nearest one within 30 m of the spot is chosen, and the highways team gets its number.",
                                    placeholder: "No asset: keep the spot as placed")
                    }
                    div(.class("button-group")) {
                        submitButton("Check the spot", style: "secondary", name: "intent", value: "check-place",
                                     formAction: newForm ? "\(action)?intent=check-place&\(token)" : nil)
                    }
                    para(.id("place-status"), .class("map-status"), .attr("role", "status")) { model.placeMessage ?? "" }
                    element("p", [.id("asset-chosen")] + (model.place?.asset == nil ? [.hidden] : [])) {
                        model.place?.asset.map { "Asset: \($0.label) (\($0.reference))" } ?? ""
                    }
                    input(.type("hidden"), .name(EnquiryField.asset.key), .value(form.asset))
                    nearbyReports(model.place?.nearby ?? [])
                    div(.class("address-finder")) {
                        textField("find-address", label: "Find an address (optional)", value: model.addressSearch?.query, errors: errors,
                                  FieldOptions(hint: "A postcode, or the start of words in the address, such as 12 mill lane.", autocomplete: "off"))
                        submitButton("Find address", style: "secondary", name: "intent", value: "find-address",
                                     formAction: newForm ? "\(action)?intent=find-address&\(token)" : nil)
                    }
                    if let search = model.addressSearch {
                        if search.found.isEmpty {
                            para(.attr("role", "status")) { "No address matches “\(search.query)”. Try a postcode, fewer words, or give a grid reference." }
                        } else {
                            radios("address-choice", legend: "Choose the address (\(search.found.count == 1 ? "1 match" : "\(search.found.count) matches"))",
                                   choices: search.found.map { Choice(value: "\(Int($0.point.easting)),\(Int($0.point.northing))|\($0.address), \($0.postcode)",
                                                                      label: "\($0.address), \($0.postcode)") },
                                   selected: nil, errors: errors,
                                   hint: "Its point and address fill in when you submit or save.")
                        }
                    }
                }
                radios(EnquiryField.urgency.key, legend: "Urgency", choices: Urgency.allCases.map { Choice(value: $0.rawValue, label: $0.label) },
                       selected: form.urgency, errors: errors)
                selectField(EnquiryField.district.key, label: "District", choices: data.districts.map { Choice(value: $0.id.uuidString, label: $0.name) },
                            selected: form.districtID, errors: errors)
                groupedSelectField(EnquiryField.division.key, label: "Division", groups: places(data.divisions, in: data), selected: form.divisionID, errors: errors)
                groupedSelectField(EnquiryField.parish.key, label: "Parish (optional)", groups: places(data.parishes, in: data), selected: form.parishID, errors: errors,
                                   placeholder: "None")
                if newForm {
                    let settings = model.documentSettings
                    fileField("documents", label: "Photos and documents (optional)", errors: errors,
                              hint: "Up to \(settings.maxFiles) files, each up to \(settings.maxFileText): \(DocumentUpload.acceptedText(settings.allowed)). Choose them last: checking the spot or finding an address sends the form back without them.")
                }
                div(.class("button-group")) {
                    if model.editing.map({ !$0.isDraft }) == true {
                        submitButton("Save changes", name: "intent", value: "save")
                    } else if newForm {
                        submitButton("Submit enquiry", name: "intent", value: "submit", formAction: "\(action)?intent=submit&\(token)")
                        submitButton("Save as draft", style: "secondary", name: "intent", value: "draft", formAction: "\(action)?intent=draft&\(token)")
                    } else {
                        submitButton("Submit enquiry", name: "intent", value: "submit")
                        submitButton("Save as draft", style: "secondary", name: "intent", value: "draft")
                    }
                }
            }
        }
    }

    /// The map for placing the spot, hidden until the map script draws it (`MapScript`): without
    /// it the typed point, the address finder and "Check the spot" do the same.
    private static func placePicker(_ place: PlaceModel, centre: GeoPoint) -> HTMLNode {
        var attributes: [HTMLAttribute] = [.class("place-map"), .data("place-picker", ""), .data("boundaries", "/places/boundaries"),
                                           .data("label", "Map for placing the spot. Arrow keys move it, plus and minus zoom."), .hidden,
                                           .data("centre", "\(centre.latitude),\(centre.longitude)")]
        if let spot = place.spot { attributes.append(.data("point", "\(spot.latitude),\(spot.longitude)")) }
        if let editing = place.editing { attributes.append(.data("enquiry", editing.uuidString)) }
        return element("div", attributes) {
            para(.class("hint")) { "Click or tap the map where it is, or move the map and place the spot at its centre. Zoomed in, the council's assets show as blue dots: pick one to choose it." }
            div(.class("map-canvas")) {}
            div(.class("map-actions button-group")) {}
        }
    }

    /// Open enquiries of the same type near the spot, so the Member can see it is already reported.
    /// Open enquiries of the same type near the spot, so the Member can see it is already
    /// reported. The region is always there, so a screen reader hears the list when the map's
    /// script fills it.
    private static func nearbyReports(_ nearby: [NearbyEnquiries.Nearby]) -> HTMLNode {
        div(.id("nearby-reports"), .attr("aria-live", "polite")) {
            if !nearby.isEmpty {
                div(.class("inset")) {
                    para { strong { nearbyHeading(nearby.count) } }
                    ul(.class("plain-list")) {
                        for near in nearby {
                            li {
                                if let address = near.link { link(address) { near.reference } } else { strong { near.reference } }
                                ": \(near.type), \(near.status), raised \(near.raised), " + (near.metres.map { "\($0) m away" } ?? "within 50 m")
                            }
                        }
                    }
                }
            }
        }
    }

    static func nearbyHeading(_ count: Int) -> String {
        count == 1 ? "1 open enquiry of this type is already within 50 m" : "\(count) open enquiries of this type are already within 50 m"
    }

    private static func places(_ places: [ReferenceData.Place], in data: ReferenceData) -> [(String, [Choice])] {
        data.districts.map { district in
            (district.name, places.filter { $0.districtID == district.id }.map { Choice(value: $0.id.uuidString, label: $0.name) })
        }
    }
}
