import Foundation
import NIOCore
import PortalCore

/// `summary.html` of a subject access export: one page anyone can open with no network, no script
/// and no other file (its style is in it), laid out for reading and for screen readers: a list
/// of the enquiries, then each in its own section with its details, its conversation and links
/// to its documents beside the page in the archive. Written a piece at a time, as the
/// enquiries are read: the opening, each enquiry's section, the closing.
enum SubjectAccessSummary {
    static let style = """
        body{font-family:Arial,Helvetica,sans-serif;font-size:1.1875rem;line-height:1.5;color:#0b0c0c;margin:0 auto;padding:1rem;max-width:50rem}\
        h1{font-size:2rem}h2{font-size:1.5rem;margin-top:2.5rem;border-top:2px solid #b1b4b6;padding-top:1rem}h3{font-size:1.2rem}\
        dl{display:grid;grid-template-columns:minmax(8rem,1fr) 3fr;gap:.25rem 1rem}dt{font-weight:bold}dd{margin:0}\
        .text{white-space:pre-wrap;overflow-wrap:anywhere}ol.conversation{padding-left:1.25rem}ol.conversation li{margin-bottom:1rem}\
        .meta{color:#505a5f;font-size:1rem}a{color:#1d70b8}a:focus{outline:3px solid #fd0;background:#fd0;color:#0b0c0c}\
        @media (max-width:40rem){dl{grid-template-columns:1fr}dd{margin-bottom:.5rem}}
        """

    /// The page up to the first enquiry: its title, what it holds, and a contents list.
    static func opening(council: String, exportedAt: Date, enquiries: [(reference: String, subject: String)]) -> ByteBuffer {
        var output = ByteBuffer(string: "<!DOCTYPE html>\n<html lang=\"en-GB\">")
        HTMLNode.group([
            element("head", []) {
                HTMLNode.void("meta", [.attr("charset", "utf-8")])
                HTMLNode.void("meta", [.name("viewport"), .attr("content", "width=device-width, initial-scale=1")])
                element("title", []) { "Enquiries held by \(council)" }
                element("style", []) { HTMLNode.raw(style) }
            },
        ]).render(into: &output)
        output.writeString("<body><main>")
        HTMLNode.group([
            h1 { "Enquiries held by \(council)" },
            para { "\(enquiries.count == 1 ? "1 enquiry" : "\(enquiries.count) enquiries"), as held on \(exportedAt.councilText) (UK time)." },
            para {
                "Each enquiry shows the details of the resident it concerns, what it asks, and every update, question and answer "
                "on it. Its documents are in the folder named after its reference, beside this page. The same is in enquiries.json, "
                "for a computer to read."
            },
            h2(.id("contents")) { "Contents" },
            ol {
                for (index, enquiry) in enquiries.enumerated() {
                    li { link("#enquiry-\(index + 1)") { "\(enquiry.reference): \(enquiry.subject)" } }
                }
            },
        ]).render(into: &output)
        return output
    }

    /// One enquiry's section; `number` is its place in the contents list.
    static func section(_ record: SubjectAccessRecord, number: Int) -> ByteBuffer {
        var output = ByteBufferAllocator().buffer(capacity: 4096)
        let heading = "enquiry-\(number)-heading"
        element("section", [.id("enquiry-\(number)"), .aria("labelledby", heading)]) {
            h2(.id(heading)) { "\(record.reference): \(record.subject)" }
            dl {
                for (term, value) in facts(record) {
                    dt { term }
                    dd { value }
                }
            }
            h3 { "What the enquiry says" }
            para(.class("text")) { record.details }
            h3 { "Updates, questions and answers" }
            if record.conversation.isEmpty {
                para { "None." }
            } else {
                ol(.class("conversation")) {
                    for item in record.conversation {
                        li {
                            para(.class("meta")) { "\(item.label), by \(item.author), \(item.at.councilText)" }
                            if !item.text.isEmpty { para(.class("text")) { item.text } }
                        }
                    }
                }
            }
            h3 { "Documents" }
            if record.documents.isEmpty {
                para { "None." }
            } else {
                ul {
                    for document in record.documents {
                        li {
                            link(relativeLink(document.file)) { document.name }
                            " (\(DocumentSettings.size(document.size)), added \(document.addedAt.councilText))"
                        }
                    }
                }
            }
            para { link("#contents") { "Back to the contents" } }
        }.render(into: &output)
        return output
    }

    static let closing = ByteBuffer(string: "</main></body></html>\n")

    /// The enquiry's details as term and value, those it has.
    static func facts(_ record: SubjectAccessRecord) -> [(String, String)] {
        let optional: [(String, String?)] = [
            ("Reference", record.reference), ("Status", record.status), ("Raised", record.raisedAt.councilText),
            ("Submitted", record.submittedAt?.councilText), ("Completed", record.completedAt?.councilText), ("Closed", record.closedAt?.councilText),
            ("Member", record.member), ("Raised by", record.raisedBy), ("How it came in", record.channel),
            ("Service area", record.serviceArea), ("Type", record.subtype.map { "\(record.type): \($0)" } ?? record.type),
            ("Urgency", record.urgency),
            ("Resident's name", record.resident.name), ("Resident's address", record.resident.address),
            ("Resident's phone", record.resident.phone), ("Resident's email", record.resident.email),
            ("Location", record.location), ("District", record.district), ("Division", record.division), ("Parish", record.parish),
        ]
        return optional.compactMap { term, value in value.flatMap { $0.isEmpty ? nil : (term, $0) } }
    }

    /// A path in the archive as a link from the page beside it: each part percent-encoded.
    static func relativeLink(_ path: String) -> String {
        path.split(separator: "/").map { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? "" }
            .joined(separator: "/")
    }
}
