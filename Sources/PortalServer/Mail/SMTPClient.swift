import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// One email, ready to send.
struct MailMessage: Sendable {
    let to: String
    let subject: String
    let text: String
    let html: String
}

/// A small SMTP client (RFC 5321) for the outbox: greeting, EHLO, STARTTLS or TLS from the
/// start, AUTH PLAIN, one message per connection, QUIT. Any reply it does not expect ends the
/// attempt with an error naming the reply, and the outbox tries again later.
struct SMTPClient: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let settings: MailSettings
    let group: any EventLoopGroup
    /// The longest one message may take, connection included.
    var timeout: Duration = .seconds(30)

    /// Sends one message, dated `date`.
    func send(_ message: MailMessage, dated date: Date) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await self.exchange(message, dated: date)
                return true
            }
            tasks.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            defer { tasks.cancelAll() }
            guard try await tasks.next() == true else {
                throw Failure(description: "the mail server did not finish within \(timeout)")
            }
        }
    }

    private func exchange(_ message: MailMessage, dated date: Date) async throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile { configuration.trustRoots = .file(caFile) }
        let tls = settings.security == .none ? nil : try NIOSSLContext(configuration: configuration)
        // Server name indication takes a host name, never an address; an address is checked
        // against the certificate's IP entries instead.
        let host: String? = settings.host.contains(":") || settings.host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : settings.host
        let implicitTLS = settings.security == .tls
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .connect(host: settings.host, port: settings.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if implicitTLS, let tls {
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: host))
                        }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw Failure(description: "could not connect to \(settings.host):\(settings.port) (\(error))")
        }
        try await channel.executeThenClose { inbound, outbound in
            var replies = Replies(inbound.makeAsyncIterator())
            func command(_ line: String, expect codes: Set<Int>) async throws {
                // A command is one line: nothing in it may end it early.
                guard !line.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                    throw Failure(description: "a command held a line break or control character and was not sent")
                }
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                try await replies.expect(codes, after: line.hasPrefix("AUTH") ? "AUTH" : line)
            }
            try await replies.expect([220], after: "connecting")
            try await command("EHLO \(Self.hostName)", expect: [250])
            if settings.security == .starttls, let tls {
                try await command("STARTTLS", expect: [220])
                // The TLS handler is made and added on the channel's own event loop, where it lives.
                let connection = channel.channel
                try await connection.eventLoop.submit {
                    try connection.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: host), position: .first)
                }.get()
                try await command("EHLO \(Self.hostName)", expect: [250])
            }
            if let username = settings.username {
                let credentials = Data("\0\(username)\0\(settings.password ?? "")".utf8).base64EncodedString()
                try await command("AUTH PLAIN \(credentials)", expect: [235])
            }
            let wire = try Self.encode(message, from: settings.from, date: date)
            guard MailText.isPlainAddress(settings.fromAddress) else { throw Failure(description: "SMTP_FROM's address cannot be written into a command") }
            try await command("MAIL FROM:<\(settings.fromAddress)>", expect: [250])
            try await command("RCPT TO:<\(message.to)>", expect: [250, 251])
            try await command("DATA", expect: [354])
            try await outbound.write(ByteBuffer(string: wire))
            try await replies.expect([250], after: "the message")
            try? await command("QUIT", expect: [221])
        }
    }

    static let hostName = ProcessInfo.processInfo.hostName.isEmpty ? "localhost" : ProcessInfo.processInfo.hostName

    /// The message as RFC 5322 text with a plain and an HTML part, ending with the lone dot that
    /// closes DATA. Nothing a person typed can end a line early: header values have any control
    /// characters turned to spaces and are written as RFC 2047 encoded words unless they are
    /// short printable ASCII; addresses must be plain; and the whole text is then written with
    /// CRLF line ends and every line that starts with a dot stuffed, whatever made it.
    static func encode(_ message: MailMessage, from: String, date: Date, boundary: String = "portal-\(UUID().uuidString)") throws -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        guard MailText.isPlainAddress(message.to) else { throw Failure(description: "the recipient's address cannot be written into a message") }
        guard let sender = MailText.mailbox(from) else { throw Failure(description: "SMTP_FROM cannot be written into a message") }
        func base64Lines(_ text: String) -> String {
            let encoded = Data(text.utf8).base64EncodedString()
            return stride(from: 0, to: encoded.count, by: 76).map { start in
                let from = encoded.index(encoded.startIndex, offsetBy: start)
                let to = encoded.index(from, offsetBy: min(76, encoded.count - start))
                return String(encoded[from..<to])
            }.joined(separator: "\r\n")
        }
        let headers = [
            "From: \(sender)", "To: <\(message.to)>", "Subject: \(MailText.headerValue(message.subject, after: "Subject: "))",
            "Date: \(formatter.string(from: date))", "Message-ID: <\(UUID().uuidString)@member-portal>",
            "MIME-Version: 1.0", "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
        ]
        let body = [
            "--\(boundary)", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "", base64Lines(message.text),
            "--\(boundary)", "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: base64", "", base64Lines(message.html),
            "--\(boundary)--",
        ]
        return MailText.data((headers + [""] + body).joined(separator: "\r\n"))
    }

    /// Reads SMTP replies: lines "250-…" continue, "250 …" ends a reply.
    struct Replies {
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var pending = ""

        init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.iterator = iterator }

        mutating func expect(_ codes: Set<Int>, after step: String) async throws {
            var lines: [String] = []
            while true {
                while let newline = pending.range(of: "\r\n") {
                    let line = String(pending[..<newline.lowerBound])
                    pending = String(pending[newline.upperBound...])
                    lines.append(line)
                    let separator = line.dropFirst(3).first
                    if line.count >= 3, separator != "-" {
                        guard let code = Int(line.prefix(3)), codes.contains(code) else {
                            throw Failure(description: "the mail server answered \"\(lines.joined(separator: " / "))\" to \(step)")
                        }
                        return
                    }
                }
                guard var buffer = try await iterator.next() else {
                    throw Failure(description: "the mail server closed the connection after \(step)")
                }
                pending += buffer.readString(length: buffer.readableBytes) ?? ""
            }
        }
    }
}
