import AsyncHTTPClient
import NIOCore
import Vapor

/// How the portal calls outside systems over HTTP (partners' webhooks, the highways system):
/// through Vapor's one shared connection pool, which `configure` sets to follow no redirect (an
/// answer comes from the address the administrator gave, or it is a failure to look at) and to
/// give up on a connection that does not open or answer in time.
enum OutsideHTTP {
    static var configuration: HTTPClient.Configuration {
        HTTPClient.Configuration(redirectConfiguration: .disallow,
                                 timeout: .init(connect: .seconds(10), read: .seconds(30)))
    }
}

extension Application {
    var outsideHTTP: HTTPClient { http.client.shared }
}
