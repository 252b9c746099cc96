import Foundation
@testable import PortalCore
import Testing

/// Reading Open311 answers in both formats, and refusing what is not one.
@Suite struct Open311Tests {
    @Test func servicesAndDefinitionsReadTheSameInXMLAndJSON() throws {
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <services><service><service_code>HWY-LIGHT</service_code><service_name>Street light fault</service_name>
            <description>A lamp out</description><metadata>true</metadata><type>realtime</type><keywords>light,lamp</keywords>
            <groups><group>Lighting</group><group>Street</group></groups></service>
            <service><service_code>HWY-GRIT</service_code><service_name>Grit bin</service_name><metadata>false</metadata><type>batch</type><group>Winter</group></service></services>
            """
        let json = #"[{"service_code":"HWY-LIGHT","service_name":"Street light fault","description":"A lamp out","metadata":true,"type":"realtime","groups":["Lighting","Street"]},{"service_code":"HWY-GRIT","service_name":"Grit bin","metadata":false,"type":"batch","group":"Winter"}]"#
        for (data, format) in [(Data(xml.utf8), Open311Format.xml), (Data(json.utf8), .json)] {
            let services = try Open311.services(data, format: format)
            #expect(services.map(\.code) == ["HWY-LIGHT", "HWY-GRIT"])
            #expect(services[0].metadata && !services[1].metadata)
            #expect(services[1].type == "batch")
            #expect(services[0].group == "Lighting,Street")
        }
        let definition = """
            <service_definition><service_code>HWY-LIGHT</service_code><attributes>
            <attribute><variable>true</variable><code>fault</code><datatype>singlevaluelist</datatype><required>false</required><order>2</order>
            <description>What is wrong</description><values><value><key>out</key><name>Not lit</name></value><value><key>damaged</key><name>Damaged</name></value></values></attribute>
            <attribute><variable>true</variable><code>central_asset_id</code><datatype>string</datatype><required>true</required><order>1</order>
            <description>Asset</description><automated>hidden_field</automated></attribute></attributes></service_definition>
            """
        let attributes = try Open311.attributes(Data(definition.utf8), format: .xml)
        #expect(attributes.map(\.code) == ["central_asset_id", "fault"])
        #expect(attributes[0].automated == "hidden_field" && attributes[0].required)
        #expect(attributes[1].values.map(\.key) == ["out", "damaged"])
        let jsonDefinition = #"{"service_code":"HWY-LIGHT","attributes":[{"variable":true,"code":"fault","datatype":"singlevaluelist","required":false,"order":1,"description":"x","values":[{"key":"out","name":"Not lit"}]}]}"#
        #expect(try Open311.attributes(Data(jsonDefinition.utf8), format: .json).first?.values.first?.name == "Not lit")
    }

    @Test func aCreatedRequestGivesAnIdOrAToken() throws {
        #expect(try Open311.created(Data("<service_requests><request><service_request_id>HW-100</service_request_id></request></service_requests>".utf8), format: .xml) == .id("HW-100"))
        #expect(try Open311.created(Data(#"[{"token":"TK-9","service_notice":""}]"#.utf8), format: .json) == .token("TK-9"))
        #expect(try Open311.created(Data(#"[{"service_request_id":638344}]"#.utf8), format: .json) == .id("638344"))
        #expect(throws: Open311FormatError.self) { try Open311.created(Data("<service_requests><request></request></service_requests>".utf8), format: .xml) }
        #expect(throws: Open311FormatError.self) { try Open311.created(Data("<service_requests><request><service_request_id>HW-1".utf8), format: .xml) }
        #expect(try Open311.resolvedToken(Data("<service_requests><request><token>TK-9</token></request></service_requests>".utf8), format: .xml) == nil)
    }

    @Test func updatesNeedEveryRequiredFieldAndAZonedTime() throws {
        let xml = """
            <service_request_updates><request_update><update_id>U1</update_id><service_request_id>HW-1</service_request_id>
            <status>ACTION_SCHEDULED</status><updated_datetime>2026-12-02T16:59:50+01:00</updated_datetime><description>Works order raised</description>
            <media_url></media_url><external_status_code>WO</external_status_code></request_update></service_request_updates>
            """
        let update = try #require(try Open311.updates(Data(xml.utf8), format: .xml).first)
        #expect(update.status == "action_scheduled")
        #expect(update.updated == utc(2026, 12, 2, 15, 59, 50))
        #expect(update.externalStatusCode == "WO")
        let noZone = xml.replacingOccurrences(of: "+01:00", with: "")
        #expect(throws: Open311FormatError.self) { try Open311.updates(Data(noZone.utf8), format: .xml) }
        let noID = xml.replacingOccurrences(of: "<update_id>U1</update_id>", with: "")
        #expect(throws: Open311FormatError.self) { try Open311.updates(Data(noID.utf8), format: .xml) }
        let longID = xml.replacingOccurrences(of: "U1", with: String(repeating: "x", count: 500))
        #expect(throws: Open311FormatError.self) { try Open311.updates(Data(longID.utf8), format: .xml) }
    }

    @Test func documentTypesDeepNestingAndJunkAreRefused() throws {
        let entity = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e \"xxxxxxxx\">]><errors><error><code>1</code><description>&e;</description></error></errors>"
        #expect(throws: Open311FormatError.self) { try Open311Document.items(Data(entity.utf8), format: .xml) }
        let deep = String(repeating: "<a>", count: 50) + String(repeating: "</a>", count: 50)
        #expect(throws: Open311FormatError.self) { try Open311Document.items(Data(deep.utf8), format: .xml) }
        #expect(throws: Open311FormatError.self) { try Open311Document.items(Data("<html><body>Bad gateway".utf8), format: .xml) }
        #expect(throws: Open311FormatError.self) { try Open311Document.items(Data("{\"a\":".utf8), format: .json) }
        #expect(throws: Open311FormatError.self) { try Open311Document.items(Data("42".utf8), format: .json) }
        // The same declarations in UTF-16, or a document type after the first few kilobytes.
        let utf16 = try #require(entity.data(using: .utf16))
        #expect(throws: Open311FormatError.self) { try Open311Document.items(utf16, format: .xml) }
        let late = "<errors>" + String(repeating: "<error><code>1</code><description>x</description></error>", count: 200) + "<!DOCTYPE a></errors>"
        #expect(throws: Open311FormatError.self) { try Open311Document.items(Data(late.utf8), format: .xml) }
        #expect(throws: Open311FormatError.self) { try Open311Document.items(Data("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><errors/>".utf8), format: .xml) }
    }

    @Test func errorListsBecomeOneLine() {
        let xml = "<errors><error><code>403</code><description>api_key\nnot recognised</description></error><error><code>400</code><description>service_code missing</description></error></errors>"
        #expect(Open311.errors(Data(xml.utf8), format: .xml) == "403: api_key not recognised; 400: service_code missing")
        #expect(Open311.errors(Data("<html>oops</html>".utf8), format: .xml) == nil)
    }

    @Test func datesAreReadWithTheirZoneAndWrittenInUTC() {
        #expect(W3CDate.parse("2026-03-29T00:59:30Z") == utc(2026, 3, 29, 0, 59, 30))
        #expect(W3CDate.parse("2026-07-01T10:00:00.250+01:00")?.timeIntervalSince1970 == utc(2026, 7, 1, 9, 0, 0).timeIntervalSince1970 + 0.25)
        #expect(W3CDate.parse("2026-07-01T10:00:00-05:30") == utc(2026, 7, 1, 15, 30, 0))
        for bad in ["2026-07-01T10:00:00", "2026-02-30T10:00:00Z", "2026-07-01T25:00:00Z", "2026-07-01T10:00:00+1:00", "yesterday", "2026-07-01T10:00:00Zjunk"] {
            #expect(W3CDate.parse(bad) == nil, "\(bad)")
        }
        #expect(W3CDate.string(utc(2026, 12, 2, 16, 59, 50)) == "2026-12-02T16:59:50Z")
        #expect(W3CDate.string(utc(1969, 12, 31, 23, 0, 1)) == "1969-12-31T23:00:01Z")
    }

    @Test func wordsFromOutsideKeepTheirLinesButNoControlCharacters() {
        let cleaned = TextRules.multiLine("Fixed\r\nby crew 4\u{0007}\u{202E}evil\ttabbed")
        #expect(cleaned == "Fixed\nby crew 4  evil\ttabbed")
        #expect(TextRules.isMultiLine(cleaned))
    }

    @Test func formBodiesEscapeEverythingOutsideTheUnreservedSet() {
        #expect(Open311.formBody([("attribute[fault]", "out & dark"), ("description", "Line 1\nLine 2 £5")])
                == "attribute%5Bfault%5D=out%20%26%20dark&description=Line%201%0ALine%202%20%C2%A35")
    }

    @Test func statusesMapOntoTheLifecycleWithoutMovingBack() {
        #expect(HighwaysStatusMap.change(for: .completed, enquiryStatus: .inProgress, isLatest: true) == .complete)
        #expect(HighwaysStatusMap.change(for: .awaitingWorks, enquiryStatus: .submitted, isLatest: true) == .awaitWorks)
        #expect(HighwaysStatusMap.change(for: .awaitingWorks, enquiryStatus: .awaitingWorks, isLatest: true) == .update)
        #expect(HighwaysStatusMap.change(for: .completed, enquiryStatus: .inProgress, isLatest: false) == .update)
        #expect(HighwaysStatusMap.change(for: .update, enquiryStatus: .completed, isLatest: true) == .note)
        #expect(HighwaysStatusMap.change(for: .note, enquiryStatus: .inProgress, isLatest: true) == .note)
        #expect(HighwaysStatusMap.label(of: "not_councils_responsibility") == "Not the council's responsibility")
        #expect(HighwaysStatusMap.label(of: "awaiting_inspection") == "Awaiting inspection")
    }

    private func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Date {
        let days = CivilDate(year: year, month: month, day: day)!.dayNumber
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3_600 + minute * 60 + second))
    }
}
