import Foundation

/// The address the portal posts to for a partner's referrals or a council system's webhooks, as
/// text an administrator typed.
public enum WebhookAddress {
    /// Why text cannot be a webhook's address, or nil: it must be an absolute http or https
    /// address with a host, without credentials in it (they would be shown on the page) and
    /// without spaces or backslashes (which some readers of addresses take for slashes, so two
    /// programs would not agree on the host).
    public static func problem(_ text: String) -> String? {
        let example = "like https://partner.example.org/referrals"
        guard !text.contains(where: { $0.isWhitespace || $0 == "\\" }), let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased()
        else { return "Enter the webhook address as a full web address, \(example)" }
        guard scheme == "https" || scheme == "http" else { return "The webhook address must start with https:// or http://, \(example)" }
        guard let host = components.host, !host.isEmpty else { return "The webhook address has no host name; write it \(example)" }
        guard components.user == nil, components.password == nil, !authority(of: text).contains("@") else {
            return "Leave the user name and password out of the webhook address: the secret proves each request"
        }
        guard components.fragment == nil else { return "The webhook address cannot end with a # part" }
        return nil
    }

    /// The part of an address between `//` and the path, where a user name would stand.
    private static func authority(of text: String) -> Substring {
        guard let start = text.range(of: "//")?.upperBound else { return "" }
        let rest = text[start...]
        return rest.prefix { !"/?#".contains($0) }
    }
}

/// Which network addresses the portal may post to. Webhook addresses are typed by an
/// administrator, but a name can be made to point anywhere: without this check an address could
/// reach the portal's own machine, the council's internal network or a cloud provider's metadata
/// service (server-side request forgery). Every address a name resolves to is checked, as bytes,
/// against the ranges below; only public unicast addresses pass.
public enum NetworkAddress {
    /// An IPv4 range: its first bytes, its prefix length, and what it is.
    struct Range {
        let prefix: [UInt8]
        let bits: Int
        let kind: String

        func contains(_ address: [UInt8]) -> Bool {
            var remaining = bits
            for (index, byte) in prefix.enumerated() where remaining > 0 {
                let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
                guard address[index] & mask == byte & mask else { return false }
                remaining -= 8
            }
            return true
        }
    }

    static let ipv4Refused: [Range] = [
        Range(prefix: [0], bits: 8, kind: "an unspecified (this network) address"),
        Range(prefix: [10], bits: 8, kind: "a private network address"),
        Range(prefix: [100, 64], bits: 10, kind: "a shared (carrier-grade NAT) address"),
        Range(prefix: [127], bits: 8, kind: "a loopback address"),
        Range(prefix: [169, 254], bits: 16, kind: "a link-local address"),
        Range(prefix: [172, 16], bits: 12, kind: "a private network address"),
        Range(prefix: [192, 0, 0], bits: 24, kind: "a reserved address"),
        Range(prefix: [192, 168], bits: 16, kind: "a private network address"),
        Range(prefix: [198, 18], bits: 15, kind: "a reserved address"),
        Range(prefix: [224], bits: 4, kind: "a multicast address"),
        Range(prefix: [240], bits: 4, kind: "a reserved address"),
    ]

    static let ipv6Refused: [Range] = [
        Range(prefix: Array(repeating: 0, count: 15) + [1], bits: 128, kind: "a loopback address"),
        Range(prefix: [0xFC], bits: 7, kind: "a private network (unique local) address"),
        Range(prefix: [0xFE, 0x80], bits: 10, kind: "a link-local address"),
        Range(prefix: [0xFE, 0xC0], bits: 10, kind: "a private network (site-local) address"),
        Range(prefix: [0xFF], bits: 8, kind: "a multicast address"),
    ]

    /// What kind of address forbids posting to these bytes (4 for IPv4, 16 for IPv6), or nil for
    /// a public address.
    public static func refusal(_ bytes: [UInt8]) -> String? {
        switch bytes.count {
        case 4:
            return ipv4Refused.first { $0.contains(bytes) }?.kind
        case 16:
            // An IPv4 address written as IPv6 (::ffff:a.b.c.d) is that IPv4 address.
            if bytes.prefix(12).elementsEqual(Array(repeating: 0, count: 10) + [0xFF, 0xFF]) { return refusal(Array(bytes.suffix(4))) }
            if let kind = ipv6Refused.first(where: { $0.contains(bytes) })?.kind { return kind }
            // Global unicast is 2000::/3; the rest (the unspecified address, the old IPv4-compatible
            // forms, unassigned space) is nowhere the portal should post.
            return bytes[0] & 0xE0 == 0x20 ? nil : "a reserved address"
        default:
            return "not an internet address"
        }
    }
}
