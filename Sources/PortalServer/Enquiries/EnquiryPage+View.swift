import Foundation
import PortalCore
import Vapor

extension EnquiryPage {
    static func page(_ model: Model) -> Page {
        let enquiry = model.enquiry
        let errors = model.failed?.errors ?? FormErrors()
        return Page(title: "\(enquiry.reference): \(enquiry.subject)", section: model.view == .member ? .enquiries : model.view == .officer ? .queue : .questions,
                    status: errors.isEmpty ? .ok : .unprocessableEntity, hasErrors: !errors.isEmpty || !model.documentErrors.isEmpty) {
            errorSummary(errors.isEmpty ? model.documentErrors : errors)
            span(.class("caption")) { enquiry.reference }
            h1 { enquiry.subject }
            div(.class("tags")) {
                statusTag(enquiry.status, forMember: model.view == .member)
                if model.view == .officer, enquiry.awaitingReply { span(.class("tag tag-red")) { "Member waiting for a reply" } }
                if enquiry.urgency == .urgent { span(.class("tag tag-red")) { "Urgent" } }
                if enquiry.reopenCount > 0 { span(.class("tag tag-grey")) { enquiry.reopenCount == 1 ? "Reopened once" : "Reopened \(enquiry.reopenCount) times" } }
                if let deadline = DeadlineSummary(nextDue: enquiry.nextDue, firstResponseGiven: enquiry.firstResponseAt != nil, clock: model.clock, now: model.now) {
                    span(.class(deadline.tagClass)) { "\(deadline.words) (\(deadline.due.shortText))" }
                }
            }
            if model.view == .responder {
                responderSection(model)
            }
            actionSection(model)
            h2 { "Details" }
            summaryList(detailRows(model))
            if let address = model.mapAddress, let point = model.enquiry.point {
                let reference = GridReference.text(point) ?? point.text
                element("figure", [.class("map-figure")]) {
                    HTMLNode.void("img", [.attr("src", address), .attr("width", "640"), .attr("height", "640"),
                                          .attr("alt", "Map of the spot at grid reference \(reference), with the boundaries around it")])
                    element("figcaption", [.class("hint")]) {
                        "The red ring marks the spot" + (model.enquiry.asset == nil ? "" : " and the blue square the asset") + "; lines show district, division and parish boundaries."
                    }
                }
            }
            PartnerReferralSection.draw(model)
            SharingSection.draw(model)
            documentsSection(model)
            if let highways = model.highways, let id = model.enquiry.id { highways.section(enquiryID: id, csrfToken: model.csrfToken) }
            if model.view != .responder {
                h2 { "Conversation" }
                timeline(model)
            }
            if model.view == .officer {
                questionsSection(model)
                auditSection(model)
            }
        }
    }

    static func statusTag(_ status: EnquiryStatus, forMember: Bool) -> HTMLNode {
        let style = switch status {
        case .draft, .closed: "tag tag-grey"
        case .completed: "tag tag-green"
        case .submitted: "tag"
        case .inProgress, .awaitingWorks: "tag tag-blue"
        }
        return span(.class(style)) { status.label(forMember: forMember) }
    }

    private static func detailRows(_ model: Model) -> [(String, String)] {
        let e = model.enquiry, data = model.reference
        var rows: [(String, String)] = [
            ("Service area", data.name(e.$serviceArea.id) ?? ""),
            ("Type", [data.name(e.$type.id), data.name(e.$subtype.id)].compactMap { $0 }.joined(separator: ": ")),
            ("Details", e.details.isEmpty ? "Not given" : e.details),
            ("Location", e.location ?? "Not given"),
        ]
        if let point = e.point {
            let geo = BritishNationalGrid.geo(point)
            rows.append(("Grid reference", "\(GridReference.text(point) ?? point.text) (easting and northing \(point.text); latitude and longitude \(geo.text))"))
        }
        if let asset = e.asset { rows.append(("Asset", "\(asset.label) (\(asset.reference))")) }
        rows += [
            ("District", data.name(e.$district.id) ?? "Not given"),
            ("Division", data.name(e.$division.id) ?? "Not given"),
            ("Parish", data.name(e.$parish.id) ?? "Not given"),
        ]
        if model.view != .responder {
            rows.append(("Member", model.name(e.$member.id)))
            if e.$raisedBy.id != e.$member.id {
                rows.append(("Raised by", "\(model.name(e.$raisedBy.id)) on the Member's behalf (\(e.channel.label.lowercased()))"))
            }
        }
        if model.view.showsResidentDetails {
            let resident = [e.residentName, e.residentAddress, e.residentPhone, e.residentEmail].compactMap { $0 }
            rows.append(("Resident", resident.isEmpty ? "Not given" : resident.joined(separator: ", ")))
            rows.append(("Urgency", e.urgency.label))
            rows.append(("Raised", (e.submittedAt ?? e.createdAt).councilText))
            rows += serviceLevelRows(model)
        }
        if model.view == .officer {
            rows.append(("Handled by", e.$handler.id.map { model.name($0) } ?? "Nobody yet"))
            rows.append(("Works area", data.name(e.$worksArea.id) ?? "Not assigned"))
        }
        return rows
    }

    /// The two promises, each with its date and where it stands or how long it took.
    private static func serviceLevelRows(_ model: Model) -> [(String, String)] {
        let e = model.enquiry
        func days(_ count: Int) -> String { count == 1 ? "1 working day" : "\(count) working days" }
        var rows: [(String, String)] = []
        if let due = e.firstResponseDue.flatMap(CivilDate.init(iso:)) {
            if let given = e.firstResponseAt, let taken = e.firstResponseDays {
                rows.append(("First response", "Given \(given.councilDate), after \(days(taken)) (due by \(due.longText))"))
            } else if e.status.isOpen {
                rows.append(("First response", "Due by the end of \(due.longText): \(model.clock.standing(of: due, at: model.now).words)"))
            } else {
                rows.append(("First response", "Was due by \(due.longText)"))
            }
        }
        if let due = e.completionDue.flatMap(CivilDate.init(iso:)) {
            if !e.status.isOpen, let taken = e.completionDays {
                rows.append(("Completion", "\(e.status == .closed && e.completedAt == nil ? "Closed" : "Completed") after \(days(taken)) (due by \(due.longText))"))
            } else if e.status.isOpen {
                rows.append(("Completion", "Due by the end of \(due.longText): \(model.clock.standing(of: due, at: model.now).words)"))
            }
        }
        if e.status == .completed, let last = e.followUpUntil.flatMap(CivilDate.init(iso:)) {
            rows.append(("Follow-up window", "Closes itself after \(last.longText) unless the Member confirms or reopens it"))
        }
        return rows
    }

    private static func timeline(_ model: Model) -> HTMLNode {
        guard !model.entries.isEmpty else { return para(.class("secondary-text")) { "Nothing has been said on this enquiry yet." } }
        return ol(.class("timeline")) {
            for entry in model.entries {
                li(.class("timeline-item" + (entry.kind == .note ? " timeline-note" : ""))) {
                    h3(.class("timeline-title")) { entry.kind.label }
                    para(.class("timeline-meta")) { "\(model.name(entry.authorID)), \(entry.createdAt.councilText)" }
                    div(.class("timeline-body")) { entry.body }
                }
            }
        }
    }

    private static func questionsSection(_ model: Model) -> HTMLNode {
        guard !model.questions.isEmpty else { return .empty }
        return section(.aria("labelledby", "questions-heading")) {
            h2(.id("questions-heading")) { "Questions to officers" }
            ol(.class("timeline")) {
                for question in model.questions {
                    li(.class("timeline-item")) {
                        h3(.class("timeline-title")) { "To \(model.name(question.$responder.id))" }
                        para(.class("timeline-meta")) { "Asked by \(model.name(question.$askedBy.id)), \(question.askedAt.councilText)" }
                        div(.class("timeline-body")) { question.question }
                        switch question.state {
                        case .open:
                            para { span(.class("tag")) { "Waiting for an answer" } }
                        case .answered:
                            para(.class("timeline-meta")) { "Answered \(question.answeredAt?.councilText ?? "")" }
                            div(.class("timeline-body inset")) { question.answer ?? "" }
                        case .withdrawn:
                            para { span(.class("tag tag-grey")) { "Withdrawn" } ; " " ; question.withdrawnReason ?? "" }
                        }
                    }
                }
            }
        }
    }

    private static func auditSection(_ model: Model) -> HTMLNode {
        details(.class("details")) {
            summary { "Audit trail (\(model.audit.count == 1 ? "1 entry" : "\(model.audit.count) entries"))" }
            div(.class("table-scroll")) {
                table(.class("table")) {
                    caption(.class("visually-hidden")) { "Every action on this enquiry, oldest first" }
                    thead { tr { th(.scopeCol) { "When" } ; th(.scopeCol) { "Who" } ; th(.scopeCol) { "What" } ; th(.scopeCol) { "Changes" } } }
                    tbody {
                        for entry in model.audit {
                            tr {
                                td { AuditTimestamp.display(entry.recordedAt) }
                                td { model.name(entry.actorID) }
                                td {
                                    EnquiryAction(rawValue: entry.action)?.label ?? entry.action.replacingOccurrences(of: "_", with: " ").capitalizedFirst
                                    if !entry.detail.isEmpty { div(.class("secondary-text")) { entry.detail } }
                                }
                                td {
                                    ul(.class("plain-list")) {
                                        for change in entry.changes {
                                            li { "\(change.field): “\(model.reference.describeValue(change.before, names: model.names))” → “\(model.reference.describeValue(change.after, names: model.names))”" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static func responderSection(_ model: Model) -> HTMLNode {
        section(.aria("labelledby", "your-questions")) {
            h2(.id("your-questions")) { "Your questions on this enquiry" }
            for question in model.questions {
                div(.class("inset")) {
                    para(.class("timeline-meta")) { "From \(model.name(question.$askedBy.id)), \(question.askedAt.councilText)" }
                    para { strong { question.question } }
                    switch question.state {
                    case .answered: para { "Your answer: " ; question.answer ?? "" }
                    case .withdrawn: para { span(.class("tag tag-grey")) { "Withdrawn" } ; " " ; question.withdrawnReason ?? "" }
                    case .open:
                        if model.actions.contains(.answerQuestion) {
                            actionForm(.answerQuestion, model: model, open: true, button: "Send answer", question: question.id) { posted, errors in
                                textArea("answer_question-body", label: "Your answer", value: posted?.body, errors: errors).renamed("body")
                            }
                        }
                    }
                }
            }
        }
    }
}

private extension String {
    /// The text with its first letter a capital, for an action named by its code.
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
