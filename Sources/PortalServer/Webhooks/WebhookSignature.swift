import Crypto
import Foundation
import Vapor

/// Webhooks are signed as Standard Webhooks (standardwebhooks.com) sign them, so a receiver can
/// check them with any of its libraries: the secret is `whsec_` and the base64 of the key's bytes;
/// each request carries `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`,
/// `v1,` and the base64 of the HMAC-SHA256, under the key, of `<id>.<timestamp>.<body>`.
enum WebhookSignature {
    static let idHeader = "webhook-id"
    static let timestampHeader = "webhook-timestamp"
    static let signatureHeader = "webhook-signature"
    static let secretPrefix = "whsec_"

    /// A new secret for a subscription: 32 random bytes.
    static func makeSecret() -> String {
        secretPrefix + Data([UInt8].random(count: 32)).base64EncodedString()
    }

    /// The signature of one request, or nil when the secret is not one the portal made.
    static func sign(id: String, timestamp: Int, body: [UInt8], secret: String) -> String? {
        guard secret.hasPrefix(secretPrefix), let key = Data(base64Encoded: String(secret.dropFirst(secretPrefix.count))), !key.isEmpty else { return nil }
        let signed = Array("\(id).\(timestamp).".utf8) + body
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))
        return "v1," + Data(code).base64EncodedString()
    }
}
