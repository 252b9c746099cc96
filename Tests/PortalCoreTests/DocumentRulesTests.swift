import Foundation
import PortalCore
import Testing

@Suite struct DocumentRulesTests {
    @Test func kindsAreRecognisedByContentNotByName() {
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]
        let ole: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
        #expect(DocumentKind.detect(prefix: [0xFF, 0xD8, 0xFF, 0xE0], name: "photo.jpg") == .jpeg)
        #expect(DocumentKind.detect(prefix: [0xFF, 0xD8, 0xFF, 0xE0], name: "photo.pdf") == nil, "the name must agree with the content")
        #expect(DocumentKind.recognise(prefix: [0xFF, 0xD8, 0xFF, 0xE0], name: "photo.pdf") == .misnamed(.jpeg, ext: "pdf"))
        #expect(DocumentKind.recognise(prefix: Array("%PDF-1.4".utf8), name: "invoice.pdf.exe") == .misnamed(.pdf, ext: "exe"))
        #expect(DocumentKind.detect(prefix: [0xFF, 0xD8, 0xFF, 0xE0], name: "Photo.JPEG") == .jpeg)
        #expect(DocumentKind.detect(prefix: Array("GIF89a..".utf8), name: "a.gif") == .gif)
        #expect(DocumentKind.detect(prefix: Array("RIFF\0\0\0\0WEBPVP8 ".utf8), name: "a.webp") == .webp)
        #expect(DocumentKind.detect(prefix: Array("%PDF-1.4".utf8), name: "letter.pdf") == .pdf)
        #expect(DocumentKind.detect(prefix: Array("%PDF-1.4".utf8), name: "letter") == nil, "a name without the kind's ending")
        #expect(DocumentKind.detect(prefix: zip, name: "Report.DOCX") == .word)
        #expect(DocumentKind.detect(prefix: zip, name: "figures.xlsx") == .excel)
        #expect(DocumentKind.detect(prefix: zip, name: "minutes.odt") == .openDocument)
        #expect(DocumentKind.detect(prefix: zip, name: "archive.zip") == nil, "a zip is not an office document")
        #expect(DocumentKind.detect(prefix: ole, name: "old.doc") == .word)
        #expect(DocumentKind.detect(prefix: ole, name: "old.msi") == nil)
        #expect(DocumentKind.detect(prefix: Array("Café notes\n".utf8), name: "notes.txt") == .text)
        #expect(DocumentKind.detect(prefix: Array("a,b\n1,2\n".utf8), name: "data.csv") == .text)
        #expect(DocumentKind.detect(prefix: Array("<svg onload=x>".utf8), name: "a.svg") == nil)
        #expect(DocumentKind.detect(prefix: Array("<html><script>".utf8), name: "a.html") == nil)
        #expect(DocumentKind.detect(prefix: [0x4D, 0x5A, 0x90, 0x00], name: "setup.exe") == nil)
        #expect(DocumentKind.detect(prefix: [0x41, 0x00, 0x42], name: "binary.txt") == nil, "text has no NUL bytes")
        #expect(DocumentKind.detect(prefix: [0xC3, 0x28], name: "bad.txt") == nil, "text is UTF-8")
        // A prefix cut in the middle of a character is still text.
        #expect(DocumentKind.detect(prefix: Array("Caf".utf8) + [0xC3], name: "cut.txt") == .text)
    }

    @Test func servedTypesAreNeverRunnable() {
        for kind in DocumentKind.allCases {
            let type = kind.contentType(name: "file.html")
            #expect(!type.contains("html") && !type.contains("svg") && !type.contains("javascript"))
        }
        #expect(DocumentKind.word.contentType(name: "a.docx").hasPrefix("application/vnd.openxmlformats"))
        #expect(DocumentKind.text.contentType(name: "a.csv") == "text/csv; charset=utf-8")
    }

    @Test func namesAreCleanedOrRefused() throws {
        #expect(try DocumentName.clean("  Site plan.pdf ").get() == "Site plan.pdf")
        #expect(try DocumentName.clean("C:\\Users\\pat\\Desktop\\photo.jpg").get() == "photo.jpg")
        #expect(try DocumentName.clean("folder/photo.jpg").get() == "photo.jpg")
        #expect(try DocumentName.clean(".hidden.txt").get() == "hidden.txt")
        #expect(DocumentName.clean("../../etc/passwd") == .failure(.pathTraversal))
        #expect(DocumentName.clean("..\\boot.ini") == .failure(.pathTraversal))
        #expect(DocumentName.clean("a\u{0}.pdf") == .failure(.controlCharacters))
        #expect(DocumentName.clean("a\nb.pdf") == .failure(.controlCharacters))
        #expect(DocumentName.clean("invoice\u{202E}fdp.exe") == .failure(.controlCharacters), "right-to-left override disguises names")
        #expect(DocumentName.clean("   ") == .failure(.empty))
        #expect(DocumentName.clean(String(repeating: "a", count: 151)) == .failure(.tooLong))
    }

    @Test func accessFollowsTheAttachment() {
        let me = UUID(), other = UUID(), entry = UUID(), question = UUID()
        #expect(DocumentAccess.canSee(.enquiry, view: .responder, viewerID: me))
        #expect(!DocumentAccess.canSee(.entry(entry, isNote: true, authorID: other), view: .member, viewerID: me))
        #expect(DocumentAccess.canSee(.entry(entry, isNote: false, authorID: other), view: .member, viewerID: me))
        #expect(!DocumentAccess.canSee(.entry(entry, isNote: false, authorID: other), view: .responder, viewerID: me))
        #expect(DocumentAccess.canSee(.question(question, responderID: me), view: .responder, viewerID: me))
        #expect(!DocumentAccess.canSee(.question(question, responderID: other), view: .responder, viewerID: me))
        #expect(!DocumentAccess.canSee(.question(question, responderID: other), view: .member, viewerID: me))

        #expect(DocumentAccess.canAdd(to: .enquiry, standing: [.owner], viewerID: me, status: .completed))
        #expect(!DocumentAccess.canAdd(to: .enquiry, standing: [.owner], viewerID: me, status: .closed))
        #expect(!DocumentAccess.canAdd(to: .entry(entry, isNote: false, authorID: other), standing: [.owner], viewerID: me, status: .inProgress))
        #expect(DocumentAccess.canAdd(to: .entry(entry, isNote: false, authorID: me), standing: [.owner], viewerID: me, status: .inProgress))
        #expect(DocumentAccess.canAdd(to: .entry(entry, isNote: true, authorID: other), standing: [.coordinator], viewerID: me, status: .inProgress))
        #expect(!DocumentAccess.canAdd(to: .enquiry, standing: [.responder], viewerID: me, status: .inProgress))
        #expect(DocumentAccess.canAdd(to: .question(question, responderID: me), standing: [.responder], viewerID: me, status: .inProgress))
        #expect(!DocumentAccess.canAdd(to: .question(question, responderID: other), standing: [.responder], viewerID: me, status: .inProgress))
        #expect(!DocumentAccess.canAdd(to: .enquiry, standing: [.coordinator], viewerID: me, status: .draft))
        #expect(DocumentAccess.canAdd(to: .enquiry, standing: [.owner], viewerID: me, status: .draft))

        #expect(DocumentAccess.canChange(addedBy: me, standing: [.owner], viewerID: me))
        #expect(!DocumentAccess.canChange(addedBy: other, standing: [.owner], viewerID: me))
        #expect(DocumentAccess.canChange(addedBy: other, standing: [.coordinator], viewerID: me))
    }
}
