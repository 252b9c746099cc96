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

extension PortalConfiguration {
    /// Every cookie the portal sets: HttpOnly, SameSite=Lax, Secure unless configured off for
    /// local plain-HTTP use, and a session cookie (gone when the browser closes).
    func cookie(_ value: String, expired: Bool = false) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: value, expires: expired ? Date(timeIntervalSince1970: 0) : nil, maxAge: expired ? 0 : nil,
            path: "/", isSecure: secureCookies, isHTTPOnly: true, sameSite: .lax)
    }
}
