import Fluent
import Foundation
import SQLKit
import PortalCore
import Vapor

enum NotificationPages {
    static func list(_ model: NotificationRoutes.Model) -> Page {
        Page(title: "Notifications", section: .notifications) {
            h1 { "Notifications" }
            para { link("/notifications/settings") { "Choose how you hear about things" } }
            if model.items.isEmpty {
                para(.class("secondary-text")) { "You have no notifications." }
            } else {
                ul(.class("notification-list")) {
                    for item in model.items {
                        li(.class("notification-item")) {
                            if item.read_at == nil { span(.class("tag")) { "New" } ; " " }
                            strong { NotificationEvent(rawValue: item.kind)?.label ?? "Notice" }
                            " · "
                            span(.class("secondary-text")) { item.created_at.councilText }
                            para {
                                if let enquiry = item.enquiry_id { link("/enquiries/\(enquiry.uuidString)") { item.message } } else { item.message }
                            }
                        }
                    }
                }
                pagination(total: model.total, page: model.page, pageSize: model.pageSize) { "/notifications?page=\($0)" }
            }
        }
    }
}

extension NotificationPages {
    static func settings(_ model: NotificationRoutes.SettingsModel) -> Page {
        let errors = model.errors
        return Page(title: "Notification settings", section: .notifications, status: errors.isEmpty ? .ok : .unprocessableEntity,
                    hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            h1 { "Notification settings" }
            para { "Everything is listed on your notifications page. Choose which things are also emailed to \(model.email), and when. The daily email goes at \(WorkingDayForm.text(model.digestAt)), only when there is something in it." }
            if model.events.isEmpty {
                para(.class("secondary-text")) { "Your roles do not send you any notifications." }
            } else {
                htmlForm(.method("post"), .action("/notifications/settings"), .novalidate) {
                    csrfField(model.csrfToken)
                    for event in model.events {
                        radios(event.rawValue, legend: event.label,
                               choices: NotificationDelivery.allCases.map { Choice(value: $0.rawValue, label: $0.label) },
                               selected: model.values[event.rawValue], errors: errors, hint: event.explanation)
                    }
                    submitButton("Save settings")
                }
            }
        }
    }
}
