import Vapor

/// Draws the page a route answered with (`Request.render`) into its response, inside the frame.
/// The frame's header counts the person's unread notifications, read here for each page: a
/// count that notifications change on any instance is never kept with the session, and a
/// request that answers with no page (a redirect, a download, a CSV, the session's status)
/// never reads it.
struct PageMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        if response.carriesPage {
            response.drawPage(for: request, unreadNotifications: try await request.unreadNotifications())
        }
        return response
    }
}
