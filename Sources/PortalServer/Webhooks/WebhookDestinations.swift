import Foundation
import NIOPosix
import PortalCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a webhook's host name points, looked up when it is delivered (a name can be pointed
/// elsewhere after it was typed), and checked: every address it resolves to must be public
/// (`NetworkAddress`) unless the portal is set to allow private ones. The sender then connects to
/// the address it checked, never to a second lookup of the name, which could answer differently
/// (DNS rebinding).
enum WebhookDestinations {
    /// Why a webhook's address may not be posted to.
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// The host name an address connects to, as the HTTP client reads it: IPv6 without brackets.
    static func host(of url: String) -> String? {
        guard var host = URL(string: url)?.host, !host.isEmpty else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    /// The address to connect to for `host`: the first it resolves to, once every one has been
    /// checked. The lookup blocks, so it runs on the thread pool, never on an event loop.
    static func pin(_ host: String, allowPrivate: Bool, on threads: NIOThreadPool) async throws -> String {
        let addresses = try await threads.runIfActive { try resolve(host) }
        guard let first = addresses.first else { throw Refused(description: "The name \(host) has no address") }
        if !allowPrivate {
            for address in addresses {
                if let kind = NetworkAddress.refusal(address.bytes) {
                    let target = address.text == host ? address.text : "\(host) (\(address.text))"
                    throw Refused(description: "Not sent: \(target) is \(kind), and webhooks go only to public addresses unless PORTAL_WEBHOOKS_ALLOW_PRIVATE is set")
                }
            }
        }
        return first.text
    }

    /// What forbids posting to `host` when it is an address written out (127.0.0.1, [::1]), or
    /// nil; a name is not looked up here.
    static func literalRefusal(_ host: String) -> String? {
        guard let addresses = try? resolve(host, numericOnly: true) else { return nil }
        return addresses.lazy.compactMap { NetworkAddress.refusal($0.bytes) }.first
    }

    struct Resolved: Equatable {
        let text: String
        let bytes: [UInt8]
    }

    /// The system's lookup of a name (or the reading of an address written as one), as the
    /// portal's other connections would make it; only addresses of families this machine has.
    /// `numericOnly` reads an address written out and looks nothing up.
    static func resolve(_ host: String, numericOnly: Bool = false) throws -> [Resolved] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_flags = numericOnly ? AI_NUMERICHOST : AI_ADDRCONFIG
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { throw Refused(description: "Not sent: the name \(host) could not be found (\(String(cString: gai_strerror(status))))") }
        defer { freeaddrinfo(list) }
        var found: [Resolved] = []
        var cursor = list
        while let info = cursor?.pointee {
            cursor = info.ai_next
            guard let address = info.ai_addr else { continue }
            let bytes: [UInt8]
            switch info.ai_family {
            case AF_INET:
                bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                }
            case AF_INET6:
                bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
            default: continue
            }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard bytes.withUnsafeBytes({ inet_ntop(info.ai_family, $0.baseAddress, &text, socklen_t(text.count)) }) != nil else { continue }
            let resolved = Resolved(text: text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }, bytes: bytes)
            if !found.contains(resolved) { found.append(resolved) }
        }
        return found
    }
}
