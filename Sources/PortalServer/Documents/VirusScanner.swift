import Foundation
import NIOCore
import NIOPosix
import PortalCore

/// Scans bytes with the ClamAV daemon over its INSTREAM protocol: the command `zINSTREAM`, then
/// chunks each preceded by their length as a 4-byte big-endian number, then a zero length; the
/// daemon answers `stream: OK`, `stream: <signature> FOUND`, or an error.
struct VirusScanner: Sendable {
    enum Verdict: Equatable, Sendable {
        case clean
        case infected(signature: String)
    }

    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    let scanner: DocumentSettings.Scanner
    let timeout: TimeInterval
    let group: any EventLoopGroup

    /// Sends `chunks` (read one at a time, so memory stays flat) and returns the verdict.
    /// Throws `Unavailable` when the daemon cannot be reached or does not answer in time.
    func scan(_ chunks: @escaping @Sendable () async throws -> ByteBuffer?) async throws -> Verdict {
        try await withThrowingTaskGroup(of: Verdict?.self) { tasks in
            tasks.addTask { try await self.exchange(chunks) }
            tasks.addTask {
                try await Task.sleep(for: .seconds(timeout))
                return nil
            }
            defer { tasks.cancelAll() }
            guard let first = try await tasks.next(), let verdict = first else {
                throw Unavailable(description: "the virus scanner did not answer within \(Int(timeout)) seconds")
            }
            return verdict
        }
    }

    private func exchange(_ chunks: @escaping @Sendable () async throws -> ByteBuffer?) async throws -> Verdict {
        let bootstrap = ClientBootstrap(group: group).connectTimeout(.seconds(5))
        let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            switch scanner {
            case .unixSocket(let path): channel = try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: initializer)
            case .tcp(let host, let port): channel = try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
            }
        } catch {
            throw Unavailable(description: "the virus scanner could not be reached (\(error))")
        }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "zINSTREAM\0"))
            while var chunk = try await chunks() {
                // clamd's default StreamMaxLength applies to the whole stream; chunks stay small.
                while chunk.readableBytes > 0 {
                    let piece = chunk.readSlice(length: min(chunk.readableBytes, 64 * 1024))!
                    var header = ByteBuffer()
                    header.writeInteger(UInt32(piece.readableBytes), endianness: .big)
                    try await outbound.write(header)
                    try await outbound.write(piece)
                }
            }
            var end = ByteBuffer()
            end.writeInteger(UInt32(0), endianness: .big)
            try await outbound.write(end)
            var reply = ""
            for try await var part in inbound {
                reply += part.readString(length: part.readableBytes) ?? ""
                if reply.contains("\0") { break }
            }
            let answer = reply.replacingOccurrences(of: "\0", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
            if answer.hasSuffix(" OK") || answer == "stream: OK" { return .clean }
            if answer.hasSuffix(" FOUND") {
                let signature = answer.replacingOccurrences(of: "stream: ", with: "").replacingOccurrences(of: " FOUND", with: "")
                return .infected(signature: signature)
            }
            throw Unavailable(description: "the virus scanner answered \"\(answer.isEmpty ? "nothing" : answer)\"")
        }
    }
}
