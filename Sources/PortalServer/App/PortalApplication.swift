import Foundation
import PortalCore
import Vapor

private struct PortalConfigurationKey: StorageKey { typealias Value = PortalConfiguration }

extension Application {
    var portal: PortalConfiguration {
        get {
            guard let configuration = storage[PortalConfigurationKey.self] else {
                fatalError("configure(_:with:) sets the portal's configuration before anything runs")
            }
            return configuration
        }
        set { storage[PortalConfigurationKey.self] = newValue }
    }
}

extension Application {
    /// The current instant by the portal's clock (`PortalConfiguration.clock`).
    var now: Date { portal.clock.now() }
}

extension Request {
    /// The current instant by the portal's clock.
    var now: Date { application.now }
}

extension PortalConfiguration {
    /// Every cookie the portal sets: HttpOnly, SameSite=Lax, Secure unless configured off for
    /// local plain-HTTP use, and a session cookie (gone when the browser closes).
    func cookie(_ value: String, expired: Bool = false) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: value, expires: expired ? Date(timeIntervalSince1970: 0) : nil, maxAge: expired ? 0 : nil,
            path: "/", isSecure: secureCookies, isHTTPOnly: true, sameSite: .lax)
    }
}
