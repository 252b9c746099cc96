import AsyncHTTPClient
import Crypto
import Fluent
import Foundation
import NIOCore
import NIOHTTP1
import PortalCore
import SQLKit
import Vapor

/// Referrals posted to partners' webhooks: a JSON body with the enquiry's facts and the outcome
/// link, signed with the partner's secret. Queued with the referral, sent by the background job
/// (`RepeatingJob.partnerWebhooks`) through `OutgoingQueue`, so two instances never post one
/// referral twice, a failure is retried with back-off, and after `maxAttempts` it waits, failed,
/// for an administrator to retry it on the partners page.
enum PartnerWebhooks {
    static let queue = OutgoingQueue(table: "partner_referrals")
    static let maxAttempts = 10
    static let timeout: TimeAmount = .seconds(15)
    /// The most of a partner's answer that is read, to quote in an error.
    static let answerLimit = 16 * 1024

    /// What a webhook carries.
    struct Body: Codable, Sendable {
        let referral: UUID
        let partner: String
        let enquiry: PartnerReferralFacts
        /// Where the partner records the outcome: once, before `outcomeLinkExpiresAt`.
        let outcomeLink: String
        let outcomeLinkExpiresAt: Date
    }

    private struct Due: Decodable {
        let id: UUID
        let enquiryId: UUID
        let partnerId: UUID
        let linkToken: String?
        let linkExpiresAt: Date
    }

    /// Posts what is due.
    static func deliver(at now: Date, baseURL: String?, client: HTTPClient, on db: any Database, batch: Int = 20) async throws -> OutgoingQueue.Outcome {
        let due = try await queue.due(["id", "enquiry_id", "partner_id", "link_token", "link_expires_at"], at: now, limit: batch, on: db)
            .all(decoding: Due.self, keyDecodingStrategy: .convertFromSnakeCase)
        var outcome = OutgoingQueue.Outcome()
        for referral in due {
            guard let attempt = try await queue.claim(referral.id, at: now, on: db) else { continue }
            do {
                try await post(referral, at: now, baseURL: baseURL, client: client, on: db)
                // The link has reached the partner: the portal keeps only its hash from now on.
                try await queue.succeeded(referral.id, at: now, also: [("link_token", SQLLiteral.null)], on: db)
                outcome.sent += 1
            } catch {
                let gaveUp = try await queue.failed(referral.id, attempt: attempt, maxAttempts: maxAttempts, error: describe(error), at: now,
                                                    also: { giveUp in giveUp ? [("link_token", SQLLiteral.null)] : [] }, on: db)
                if gaveUp { outcome.failed += 1 } else { outcome.retrying += 1 }
            }
        }
        return outcome
    }

    /// Why a webhook was not delivered, in words for the administrator.
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    private static func post(_ referral: Due, at now: Date, baseURL: String?, client: HTTPClient, on db: any Database) async throws {
        guard let partner = try await Partners.find(referral.partnerId, on: db), partner.isActive else {
            throw Refused(description: "The partner has been deactivated")
        }
        guard let url = partner.webhookUrl, let secret = partner.webhookSecret else {
            throw Refused(description: "The partner no longer has a webhook address")
        }
        guard let token = referral.linkToken else { throw Refused(description: "The outcome link was not kept; retry to send a new one") }
        guard let facts = try await PartnerReferralFacts.load(referral.enquiryId, withResident: partner.sharesResidentDetails, on: db) else {
            throw Refused(description: "The enquiry is no longer there")
        }
        let body = Array(try OutsideSystems.jsonEncoder.encode(Body(referral: referral.id, partner: partner.name, enquiry: facts,
                                                 outcomeLink: (baseURL ?? "") + PartnerReferrals.linkPath(token),
                                                 outcomeLinkExpiresAt: referral.linkExpiresAt)))
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "MemberPortal-Webhook/1")
        request.headers.add(name: signatureHeader, value: signature(of: body, secret: secret, at: now))
        request.headers.add(name: "X-Portal-Delivery", value: referral.id.uuidString)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: timeout)
        guard (200..<300).contains(response.status.code) else {
            let answer = try? await response.body.collect(upTo: answerLimit)
            let said = answer.map { TextRules.oneLine(String(buffer: $0)).trimmingWhitespace().prefix(200) }.map { $0.isEmpty ? "" : ": \($0)" } ?? ""
            throw Refused(description: "The partner answered \(response.status.code) \(response.status.reasonPhrase)\(said)")
        }
        _ = try? await response.body.collect(upTo: answerLimit)
    }

    static let signatureHeader = "X-Portal-Signature"

    /// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>`: the partner
    /// recomputes it to know the request came from the portal, unchanged, and recently.
    static func signature(of body: [UInt8], secret: String, at time: Date) -> String {
        let seconds = Int(time.timeIntervalSince1970)
        let signed = Array("\(seconds).".utf8) + body
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(seconds),v1=\(code.hex)"
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let refused as Refused: refused.description
        case let client as HTTPClientError where client == .deadlineExceeded || client == .readTimeout || client == .connectTimeout:
            "The partner did not answer within \(timeout.nanoseconds / 1_000_000_000) seconds"
        default: "Could not reach the partner: \(String(describing: error))"
        }
    }
}

extension RepeatingJob {
    /// Posts referrals to partners' webhooks every ten seconds.
    static var partnerWebhooks: RepeatingJob {
        RepeatingJob("Partner webhooks", every: .seconds(10), after: .seconds(3)) { application in
            let outcome = try await PartnerWebhooks.deliver(at: application.now, baseURL: application.portal.publicBaseURL,
                                                            client: application.outsideHTTP, on: application.db)
            if outcome.retrying + outcome.failed > 0 {
                application.logger.warning("Partner webhooks: \(outcome.sent) delivered, \(outcome.retrying) to retry, \(outcome.failed) failed")
            }
        }
    }
}
