import Fluent
import Foundation
import PortalCore
import Vapor

/// Sharing on the enquiry page: its Member shares it or stops; a Member it is shared with sees who
/// shared it and may stop seeing it; officers see who it is shared with.
enum SharingSection {
    struct Model: Sendable {
        var sharedWith: [EnquirySharing.Member] = []
        /// Those its Member may still share it with.
        var eligible: [EnquirySharing.Member] = []
        var isOwner = false
        var isSharedWithViewer = false
    }

    static func query(_ loaded: EnquiryWorkflow.Loaded, actor: EnquiryActor, at now: Date, on db: any Database) async throws -> Model {
        let enquiry = loaded.enquiry
        guard enquiry.status != .draft, let id = enquiry.id else { return Model() }
        let shared = try await EnquirySharing.sharedWith(id, on: db)
        var model = Model(isOwner: loaded.standing.contains(.owner), isSharedWithViewer: loaded.standing.contains(.sharedWith))
        let links = model.isOwner ? try await EnquirySharing.eligible(for: enquiry.$member.id, on: CouncilTime.local(now).date, db: db) : []
        model.sharedWith = shared.map { person in
            links.first { $0.id == person.id } ?? EnquirySharing.Member(id: person.id, name: person.name, sameDivision: false, sameParty: false)
        }
        model.eligible = links.filter { link in !shared.contains { $0.id == link.id } }
        return model
    }

    static func draw(_ model: EnquiryPage.Model) -> HTMLNode {
        let sharing = model.sharing
        guard let id = model.enquiry.id?.uuidString else { return .empty }
        if sharing.isSharedWithViewer {
            return section(.aria("labelledby", "sharing-heading"), .class("notice")) {
                h2(.id("sharing-heading")) { "Shared with you" }
                para { "\(model.name(model.enquiry.$member.id)) shared this enquiry with you. You can read it; only they and the council's officers can act on it." }
                htmlForm(.method("post"), .action("/enquiries/\(id)/sharing/\(model.viewerID.uuidString)/stop"), .class("inline-form")) {
                    csrfField(model.csrfToken)
                    submitButton("Stop seeing this enquiry", style: "secondary")
                }
            }
        }
        guard sharing.isOwner || (model.view == .officer && !sharing.sharedWith.isEmpty) else { return .empty }
        return section(.aria("labelledby", "sharing-heading")) {
            h2(.id("sharing-heading")) { "Sharing" }
            if sharing.sharedWith.isEmpty {
                para(.class("secondary-text")) { "Not shared with any other Member." }
            } else {
                ul(.class("list")) {
                    for member in sharing.sharedWith {
                        li {
                            sharing.isOwner ? "\(member.name) (\(member.link)) can read it. " : "Shared with \(member.name). "
                            if sharing.isOwner {
                                htmlForm(.method("post"), .action("/enquiries/\(id)/sharing/\(member.id.uuidString)/stop"), .class("inline-form")) {
                                    csrfField(model.csrfToken)
                                    button(.type("submit"), .class("link-button")) {
                                        "Stop sharing"
                                        element("span", [.class("visually-hidden")]) { " with \(member.name)" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if sharing.isOwner {
                if sharing.eligible.isEmpty {
                    para(.class("secondary-text")) { "No other Member of your division or party holds office to share it with." }
                } else {
                    details(.class("details action")) {
                        summary { "Share with another Member" }
                        htmlForm(.method("post"), .action("/enquiries/\(id)/sharing"), .novalidate, .class("action-form")) {
                            csrfField(model.csrfToken)
                            selectField("share-member", label: "Member of your division or party",
                                        choices: sharing.eligible.map { Choice(value: $0.id.uuidString, label: "\($0.name) (\($0.link))") },
                                        selected: nil, errors: FormErrors(), hint: "They can read the enquiry, its resident's details and the conversation, but not act on it.")
                                .renamed("member")
                            submitButton("Share")
                        }
                    }
                }
            }
        }
    }
}

enum SharingRoutes {
    struct Form: Content { var member: String? }

    @Sendable static func share(_ request: Request) async throws -> Response {
        let (loaded, actor) = try await load(request)
        guard loaded.standing.contains(.owner) else { throw Abort(.forbidden, reason: "Only the enquiry's Member can share it.") }
        let id = try loaded.enquiry.requireID().uuidString
        let form = try request.content.decode(Form.self)
        guard let memberID = form.member.flatMap(UUID.init(uuidString:)) else {
            return request.seeOther("/enquiries/\(id)#sharing-heading", flash: "Choose the Member to share the enquiry with.")
        }
        do {
            let shared = try await EnquirySharing.share(loaded, with: memberID, by: actor, at: request.now, on: request.db)
            let name = try await User.find(memberID, on: request.db)?.name ?? "the Member"
            return request.seeOther("/enquiries/\(id)#sharing-heading", flash: shared ? "\(name) can now read this enquiry." : "The enquiry was already shared with \(name).")
        } catch EnquirySharing.Refusal.notEligible {
            return request.seeOther("/enquiries/\(id)#sharing-heading", flash: "Share only with a Member of your division or party who holds office. The enquiry was not shared.")
        }
    }

    @Sendable static func stop(_ request: Request) async throws -> Response {
        let (loaded, actor) = try await load(request)
        let id = try loaded.enquiry.requireID().uuidString
        guard let memberID = request.parameters.get("memberID").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        guard loaded.standing.contains(.owner) || memberID == actor.user.id else { throw Abort(.forbidden, reason: "Only the enquiry's Member can stop sharing it.") }
        let stopped = try await EnquirySharing.stop(loaded, with: memberID, by: actor, at: request.now, on: request.db)
        if memberID == actor.user.id, !loaded.standing.contains(.owner) {
            return request.seeOther("/enquiries?tab=shared", flash: stopped ? "You no longer see that enquiry." : "That enquiry was no longer shared with you.")
        }
        return request.seeOther("/enquiries/\(id)#sharing-heading", flash: stopped ? "Sharing has stopped." : "It was no longer shared with that Member.")
    }

    /// The enquiry as this person sees it; sharing is refused to anyone else as "not allowed".
    private static func load(_ request: Request) async throws -> (EnquiryWorkflow.Loaded, EnquiryActor) {
        guard let id = request.parameters.get("enquiryID").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let actor = try request.enquiryActor()
        let loaded = try await EnquiryWorkflow.load(id, for: actor, on: request.db)
        guard !loaded.standing.isDisjoint(with: [.owner, .sharedWith]) else { throw Abort(.forbidden, reason: "Only the enquiry's Member can share it.") }
        return (loaded, actor)
    }
}
