import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Access rules that hold on every way in: search and export as on pages, drafts to their
/// authors, a form key to its author, documents by one set of rules, names that match contents.
@Suite struct AccessSafetyTests {
    @Test func aFileNameMustAgreeWithWhatTheFileIs() async throws {
        try await withApp { app in
            let enquiry = try await Fixtures(app: app).submitted()
            let path = "/enquiries/\(enquiry.id!.uuidString)"
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array("<html><script>alert(1)</script></html>".utf8)
            let gif = Array("GIF89a<script>alert(1)</script>".utf8)
            for (name, bytes) in [("Highways-report.html", jpeg), ("invoice.pdf.exe", SampleFiles.pdf()), ("map.svg", SampleFiles.png),
                                  ("photo", jpeg), ("notes.txt", SampleFiles.png), ("pic.jpg", SampleFiles.png), ("anim.htm", gif)] {
                try await member.get(path)
                let page = try await member.upload("\(path)/documents", fields: [("attach-to", "enquiry")], files: [(name, bytes)])
                #expect(page.status == .unsupportedMediaType, "\(name)")
                #expect(page.mainText.contains(name) && page.mainText.contains("name"), "\(name): \(page.mainText.prefix(400))")
            }
            #expect(try await DocumentStore.visible(on: enquiry.id!, on: app.db).isEmpty)
            try await member.get(path)
            let good = try await member.upload("\(path)/documents", fields: [("attach-to", "enquiry")],
                                               files: [("Photo.JPEG", jpeg), ("scan.pdf", SampleFiles.pdf()), ("site.png", SampleFiles.png)])
            #expect(good.status == .seeOther)
            #expect(try await DocumentStore.visible(on: enquiry.id!, on: app.db).count == 3)
        }
    }
}
