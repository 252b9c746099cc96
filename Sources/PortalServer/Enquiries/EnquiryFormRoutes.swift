import Fluent
import PortalCore
import Vapor

/// New enquiries, drafts and editing details.
enum EnquiryFormRoutes {
    /// The form as posted: the enquiry's details by their input names (`EnquiryField`), and what
    /// the form says about raising it.
    struct Posted: Decodable {
        var form: EnquiryForm
        var member, channel, intent, submissionKey: String?
        /// "on" when the officer raising it asks to hear of its updates too.
        var follow: String?
        /// As posted: read with `RequestNumber.version`.
        var version: String?
        /// The gazetteer search typed into the form, and the address chosen from its results.
        var findAddress, addressChoice: String?
        /// The asset layer the spot snaps to.
        var assetLayer: String?

        private struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            func text(_ name: String) throws -> String? { try container.decodeIfPresent(String.self, forKey: Key(stringValue: name)) }
            var form = EnquiryForm()
            for field in EnquiryField.allCases { form[field] = try text(field.key) ?? "" }
            self.form = form
            member = try text("member")
            channel = try text("channel")
            intent = try text("intent")
            submissionKey = try text("submission-key")
            follow = try text("follow")
            version = try text("version")
            findAddress = try text("find-address")
            addressChoice = try text("address-choice")
            assetLayer = try text("asset-layer")
        }

        /// Whether the person asked to look up an address (the button, or Enter with a search typed).
        func findsAddress(intent: String?) -> Bool {
            let asked = intent ?? self.intent
            guard !(findAddress ?? "").trimmingWhitespace().isEmpty else { return false }
            // Enter in the address box presses the form's first button, "Check the spot".
            return asked == "find-address" || (asked == "check-place" && form.point.trimmingWhitespace().isEmpty)
        }

        /// "Find address" pressed with nothing typed to find: the form comes back saying so.
        func asksForAddress(intent: String?) -> Bool { (intent ?? self.intent) == "find-address" }

        /// An address chosen from the gazetteer's results becomes the point and, where none was
        /// typed, the location. The choice is "easting,northing|address" and is checked like any input.
        mutating func takeChosenAddress() {
            guard let choice = addressChoice, let bar = choice.firstIndex(of: "|") else { return }
            let numbers = choice[..<bar].split(separator: ",").compactMap { Double($0) }
            guard numbers.count == 2, let point = GridPoint(easting: numbers[0], northing: numbers[1]) else { return }
            if form.point.trimmingWhitespace().isEmpty { form.point = point.text }
            if form.location.trimmingWhitespace().isEmpty { form.location = String(choice[choice.index(after: bar)...].prefix(EnquiryForm.Limit.location)) }
        }
    }

    @Sendable static func new(_ request: Request) async throws -> Response {
        let actor = try request.enquiryActor()
        var form = EnquiryForm()
        if actor.user.roles.contains(.member), let division = actor.user.divisionID {
            form.divisionID = division.uuidString
            form.districtID = try await request.referenceData().divisions.first { $0.id == division }?.districtID.uuidString ?? ""
        }
        let model = try await pageModel(request, actor: actor, form: form, errors: FormErrors(), posted: nil)
        return request.render(EnquiryFormPage.page(model))
    }

    /// The outcome of a posted new-enquiry form: the enquiry, or the form back with its errors.
    enum Created: Sendable {
        case enquiry(Enquiry, submitted: Bool)
        case refused(Posted, FormErrors)
        /// The form back with the gazetteer's answer to its address search.
        case findingAddress(Posted, [Gazetteer.Address])
        /// The form back with its spot checked (`checkPlace`).
        case checkingPlace(Posted, PlaceCheck)
    }

    /// New enquiries arrive as a multipart form when they carry documents (the form's file input
    /// comes after every other field, so the enquiry is created as soon as the first file begins
    /// and the files stream into it), or as a plain form.
    @Sendable static func create(_ request: Request) async throws -> Response {
        let actor = try request.enquiryActor()
        // The buttons say "submit" or "draft" in the address too, because in a multipart form the
        // pressed button's own value arrives only after the files.
        let intent = request.query[String.self, at: "intent"]
        guard request.headers.contentType?.type == "multipart" else {
            let body = try await request.body.collect(max: 64 * 1024).get() ?? ByteBuffer()
            let posted = try URLEncodedFormDecoder().decode(Posted.self, from: String(buffer: body))
            return try await respond(to: try await createEnquiry(posted, intent: intent, actor: actor, request: request), actor: actor, request: request)
        }
        let received = try await StreamedForm.receive(request, by: actor.user.id) { fields in
            let created = try await createEnquiry(try StreamedForm.decode(Posted.self, from: fields), intent: intent, actor: actor, request: request)
            if case .enquiry(let enquiry, _) = created { return (created, try enquiry.requireID()) }
            return (created, nil)
        }
        guard let created = received.outcome else { throw Abort(.badRequest, reason: received.problem?.message) }
        guard case .enquiry(let enquiry, _) = created else { return try await respond(to: created, actor: actor, request: request) }
        if let problem = received.problem {
            // The enquiry stands; only its files were refused. Say so on its page.
            return try await DocumentRoutes.enquiryPage(try enquiry.requireID(),
                                                        explaining: "Enquiry \(enquiry.reference) was saved, but its documents were not: \(problem.message). Add them below.",
                                                        status: problem.status, actor: actor, request: request)
        }
        if !received.files.isEmpty {
            try await DocumentRoutes.keep(received.files, attachedTo: .enquiry, enquiryID: try enquiry.requireID(), by: actor.user.id, at: request.now, on: request.db)
        }
        return try await respond(to: created, actor: actor, request: request)
    }

    private static func respond(to created: Created, actor: EnquiryActor, request: Request) async throws -> Response {
        switch created {
        case .enquiry(let enquiry, let submitted):
            let message = submitted ? "Enquiry \(enquiry.reference) has been submitted." : "Your draft \(enquiry.reference) has been saved."
            return request.seeOther("/enquiries/\(try enquiry.requireID())", flash: message)
        case .refused(let posted, let errors):
            let model = try await pageModel(request, actor: actor, form: posted.form, errors: errors, posted: posted)
            return request.render(EnquiryFormPage.page(model))
        case .findingAddress(let posted, let found):
            var model = try await pageModel(request, actor: actor, form: posted.form, errors: FormErrors(), posted: posted)
            model.addressSearch = (posted.findAddress ?? "", found)
            return request.render(EnquiryFormPage.page(model))
        case .checkingPlace(let posted, let check):
            var model = try await pageModel(request, actor: actor, form: posted.form, errors: check.errors, posted: posted)
            model.placeMessage = check.message
            return request.render(EnquiryFormPage.page(model))
        }
    }

    static func createEnquiry(_ posted: Posted, intent: String?, actor: EnquiryActor, request: Request) async throws -> Created {
        var posted = posted
        posted.takeChosenAddress()
        if posted.findsAddress(intent: intent) {
            return .findingAddress(posted, try await Gazetteer.search(posted.findAddress ?? "", on: request.db))
        }
        if posted.checksPlace(intent: intent) {
            let check = try await checkPlace(&posted, request: request)
            return .checkingPlace(posted, check)
        }
        if posted.asksForAddress(intent: intent) { return .checkingPlace(posted, .noAddressTyped) }
        let submit = (intent ?? posted.intent) != "draft"
        var errors = FormErrors()
        // Who the enquiry is for: a Member raises their own; an officer chooses the Member.
        var memberID = actor.user.id
        var channel = EnquiryChannel.portal
        if actor.user.roles.isOfficer {
            let members = try await memberChoices(request)
            if let chosen = posted.member.flatMap(UUID.init(uuidString:)), members.contains(where: { $0.value == chosen.uuidString }) {
                memberID = chosen
            } else {
                errors.add("member", posted.member?.isEmpty == false ? "Select a Member from the list" : "Select the Member the enquiry is for")
            }
            if memberID == actor.user.id, actor.user.roles.contains(.member) {
                channel = .portal
            } else if let picked = posted.channel.flatMap(EnquiryChannel.init(rawValue:)), EnquiryChannel.onBehalf.contains(picked) {
                channel = picked
            } else {
                errors.add("channel", "Select how the Member contacted you")
            }
        } else if !actor.user.roles.contains(.member) {
            throw Abort(.forbidden)
        }
        switch posted.form.validate(against: try await request.enquiryCatalogue(for: posted.form), forSubmission: submit) {
        case .failure(let found):
            for error in found.all { errors.add(error.field, error.message) }
        case .success(let valid) where errors.isEmpty:
            let enquiry = try await EnquiryWorkflow.create(
                .init(valid: valid, memberID: memberID, channel: channel, submit: submit,
                      raiserFollows: memberID != actor.user.id && posted.follow == "on",
                      submissionKey: posted.submissionKey.flatMap { $0.isEmpty ? nil : String($0.prefix(64)) }),
                by: actor, at: request.now, on: request.db)
            return .enquiry(enquiry, submitted: submit)
        case .success:
            break
        }
        return .refused(posted, errors)
    }

    @Sendable static func edit(_ request: Request) async throws -> Response {
        let actor = try request.enquiryActor()
        let loaded = try await EnquiryWorkflow.load(try enquiryID(request), for: actor, on: request.db)
        guard editAction(loaded) != nil else { throw ActionRefused(refusal: .notPermitted) }
        var model = try await pageModel(request, actor: actor, form: loaded.enquiry.form, errors: FormErrors(), posted: nil, editing: loaded.enquiry)
        model.members = nil
        model.editing = (try loaded.enquiry.requireID(), loaded.enquiry.reference, loaded.enquiry.version, loaded.enquiry.status == .draft)
        return request.render(EnquiryFormPage.page(model))
    }

    @Sendable static func update(_ request: Request) async throws -> Response {
        let actor = try request.enquiryActor()
        let loaded = try await EnquiryWorkflow.load(try enquiryID(request), for: actor, on: request.db)
        guard let action = editAction(loaded) else { throw ActionRefused(refusal: .notPermitted) }
        var posted = try request.content.decode(Posted.self)
        posted.takeChosenAddress()
        let postedVersion = RequestNumber.version(posted.version)
        let submit = action == .editDraft && posted.intent == "submit"
        let data = try await request.referenceData()
        let enquiry = loaded.enquiry
        let check = posted.findsAddress(intent: nil) ? nil
            : posted.checksPlace(intent: nil) ? try await checkPlace(&posted, request: request)
            : posted.asksForAddress(intent: nil) ? PlaceCheck.noAddressTyped : nil
        var model = try await pageModel(request, actor: actor, form: posted.form, errors: check?.errors ?? FormErrors(), posted: posted, editing: enquiry)
        model.members = nil
        model.editing = (try enquiry.requireID(), enquiry.reference, postedVersion ?? enquiry.version, enquiry.status == .draft)
        if let check {
            model.placeMessage = check.message
            return request.render(EnquiryFormPage.page(model))
        }
        if posted.findsAddress(intent: nil) {
            model.addressSearch = (posted.findAddress ?? "", try await Gazetteer.search(posted.findAddress ?? "", on: request.db))
            return request.render(EnquiryFormPage.page(model))
        }
        switch posted.form.validate(against: try await request.enquiryCatalogue(for: posted.form), forSubmission: submit || action == .editDetails) {
        case .failure(let errors):
            model.errors = errors
            return request.render(EnquiryFormPage.page(model))
        case .success(let valid):
            do {
                try await EnquiryWorkflow.perform(action == .editDraft ? .editDraft(valid) : .editDetails(valid), on: loaded, by: actor,
                                                  expectedVersion: postedVersion ?? -1, at: request.now, on: request.db)
                if submit {
                    let reloaded = try await EnquiryWorkflow.load(try enquiry.requireID(), for: actor, on: request.db)
                    try await EnquiryWorkflow.perform(.submit, on: reloaded, by: actor, at: request.now, on: request.db)
                }
                let message = submit ? "Enquiry \(enquiry.reference) has been submitted." : "Your changes to \(enquiry.reference) have been saved."
                return request.seeOther("/enquiries/\(try enquiry.requireID())", flash: message)
            } catch is EditConflict {
                let fresh = try await EnquiryWorkflow.load(try enquiry.requireID(), for: actor, on: request.db).enquiry
                let changed = try await AuditTrail.changes(toEnquiry: try fresh.requireID(), since: postedVersion ?? 0, on: request.db)
                var errors = FormErrors()
                let list = changed.map { "\($0.field): “\(data.describe($0.before))” → “\(data.describe($0.after))”" }.joined(separator: "; ")
                errors.add("subject", "This enquiry was changed by someone else since you opened it (\(list.isEmpty ? "its status" : list)). Their version is shown below; make your changes again and save.")
                model.form = fresh.form
                model.errors = errors
                model.editing = (try fresh.requireID(), fresh.reference, fresh.version, fresh.status == .draft)
                let response = request.render(EnquiryFormPage.page(model))
                response.status = .conflict
                return response
            }
        }
    }

    /// Editing is the Member's own draft, or a co-ordinator's change of details.
    private static func editAction(_ loaded: EnquiryWorkflow.Loaded) -> EnquiryAction? {
        for action in [EnquiryAction.editDraft, .editDetails]
        where EnquiryLifecycle.permits(action, from: loaded.enquiry.status, by: loaded.standing) { return action }
        return nil
    }

    static func enquiryID(_ request: Request) throws -> UUID {
        guard let id = request.parameters.get("enquiryID", as: UUID.self) else { throw Abort(.notFound) }
        return id
    }

    private static func memberChoices(_ request: Request) async throws -> [Choice] {
        try await User.query(on: request.db).filter(\.$isMember == true).filter(\.$isActive == true).sort(\.$name)
            .with(\.$division).all()
            .map { Choice(value: $0.id!.uuidString, label: $0.name + ($0.division.map { " (\($0.name))" } ?? "")) }
    }

    private static func pageModel(_ request: Request, actor: EnquiryActor, form: EnquiryForm, errors: FormErrors,
                                  posted: Posted?, editing: Enquiry? = nil) async throws -> EnquiryFormPage.Model {
        var model = EnquiryFormPage.Model(
            form: form, errors: errors, reference: try await request.referenceData(),
            members: actor.user.roles.isOfficer ? try await memberChoices(request) : nil,
            memberID: posted?.member, channel: posted?.channel, follow: posted?.follow == "on",
            submissionKey: posted?.submissionKey ?? UUID().uuidString, editing: nil,
            csrfToken: request.csrfToken, documentSettings: request.application.portal.documents)
        model.place = try await placeModel(form, assetLayer: posted?.assetLayer, editing: try editing?.requireID(), actor: actor, request: request)
        return model
    }
}
