import PortalCore
import Vapor

extension Request {
    /// The page of a list from the address: 1 when not given, a number from 1 to `maximum`
    /// (`RequestNumber`), or a 400 page saying there is no such page. Bounded here, the offset
    /// arithmetic after it cannot overflow.
    func pageNumber(_ text: String?, maximum: Int = RequestNumber.maximumPage) throws -> Int {
        switch RequestNumber.page(text, maximum: maximum) {
        case .success(let page): return page
        case .failure(let problem): throw Abort(.badRequest, reason: problem.message)
        }
    }
}
