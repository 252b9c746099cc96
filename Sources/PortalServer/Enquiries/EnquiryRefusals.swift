import PortalCore
import Vapor

/// Someone else saved the enquiry after this person opened it. Forms that can show what changed
/// catch it; anywhere else it explains itself.
struct EditConflict: AbortError {
    var status: HTTPResponseStatus { .conflict }
    var reason: String { "Someone else changed this enquiry a moment ago. Nothing you sent was saved: reload the page and try again." }
}

/// An answer and a withdrawal (or two answers) raced, and the other landed first.
struct QuestionNoLongerOpen: AbortError {
    var status: HTTPResponseStatus { .conflict }
    var reason: String { "That question was answered or withdrawn a moment ago. Reload the page to see it." }
}

/// Allowed to the person but not now, or not to them at all.
struct ActionRefused: AbortError {
    let refusal: EnquiryLifecycle.Refusal
    var status: HTTPResponseStatus { refusal == .notPermitted ? .forbidden : .conflict }
    var reason: String { refusal.message }
}
