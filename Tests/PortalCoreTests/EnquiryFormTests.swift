import Foundation
import PortalCore
import Testing

@Suite struct EnquiryFormTests {
    let highways = UUID(), info = UUID(), speed = UUID(), survey = UUID(), tro = UUID(), improvement = UUID()
    let wrenfield = UUID(), marlbeck = UUID(), north = UUID(), marlbeckTown = UUID(), ashby = UUID()

    var catalogue: EnquiryForm.Catalogue {
        .init(serviceAreas: [highways],
              types: [info: ([], false), speed: ([survey], true), improvement: ([tro], true)],
              districts: [wrenfield, marlbeck], divisions: [north: wrenfield, marlbeckTown: marlbeck], parishes: [ashby: wrenfield])
    }

    var complete: EnquiryForm {
        var form = EnquiryForm()
        form.serviceAreaID = highways.uuidString
        form.typeID = speed.uuidString
        form.subtypeID = survey.uuidString
        form.subject = "  Speeding on Mill Lane "
        form.details = "Residents report cars at 50 mph past the school."
        form.location = "Mill Lane by the primary school"
        form.districtID = wrenfield.uuidString
        form.divisionID = north.uuidString
        form.parishID = ashby.uuidString
        form.residentEmail = "Resident@Example.com"
        return form
    }

    @Test func aCompleteFormIsValidAndTrimmed() throws {
        let valid = try complete.validate(against: catalogue, forSubmission: true).get()
        #expect(valid.subject == "Speeding on Mill Lane")
        #expect(valid.subtypeID == survey)
        #expect(valid.residentEmail == "resident@example.com")
        #expect(valid.urgency == .normal)
    }

    func errors(_ form: EnquiryForm, submit: Bool = true) -> FormErrors {
        if case .failure(let errors) = form.validate(against: catalogue, forSubmission: submit) { return errors }
        return FormErrors()
    }

    @Test func aSubtypeMustBelongToItsType() {
        var form = complete
        form.subtypeID = tro.uuidString
        #expect(errors(form)["subtype"] == "Select a sub-type that belongs to the type you chose")
        form.typeID = info.uuidString
        #expect(errors(form)["subtype"] == "This type has no sub-types; choose “None”")
        form.subtypeID = ""
        form.location = ""
        #expect(errors(form).isEmpty, "an information request needs neither sub-type nor location")
    }

    @Test func unknownChoicesAreRefused() {
        var form = complete
        form.serviceAreaID = UUID().uuidString
        form.typeID = "not-a-uuid"
        form.urgency = "whenever"
        form.parishID = UUID().uuidString
        let found = errors(form)
        #expect(found["service-area"] == "Select a service area from the list")
        #expect(found["type"] == "Select a type from the list")
        #expect(found["urgency"] == "Select how urgent the enquiry is")
        #expect(found["parish"] == "Select a parish from the list")
    }

    @Test func placesMustAgree() {
        var form = complete
        form.divisionID = marlbeckTown.uuidString
        #expect(errors(form)["division"] == "That division is not in the district you chose")
        form = complete
        form.districtID = marlbeck.uuidString
        form.divisionID = marlbeckTown.uuidString
        #expect(errors(form)["parish"] == "That parish is not in the district you chose")
    }

    @Test func limitsAreStatedInTheMessage() {
        var form = complete
        form.subject = String(repeating: "s", count: 151)
        form.details = String(repeating: "d", count: 5001)
        form.residentPhone = "call me maybe"
        let found = errors(form)
        #expect(found["subject"] == "A subject must be 150 characters or fewer")
        #expect(found["details"] == "Details must be 5000 characters or fewer (you have 5001)")
        #expect(found["resident-phone"] == "Enter a phone number using digits, spaces and + ( ) - only")
    }

    @Test func aDraftNeedsOnlyAreaTypeAndSubject() {
        var form = EnquiryForm()
        form.serviceAreaID = highways.uuidString
        form.typeID = speed.uuidString
        form.subject = "Mill Lane"
        #expect(errors(form, submit: false).isEmpty)
        let submitted = errors(form, submit: true)
        #expect(submitted.all.map(\.field) == ["subtype", "details", "location", "district", "division"])
        #expect(errors(EnquiryForm(), submit: false).all.map(\.field) == ["service-area", "type", "subject"])
    }

    @Test func referencesAreFormattedAndNormalised() {
        #expect(EnquiryReference.make(year: 2026, number: 123) == "ENQ-26-000123")
        #expect(EnquiryReference.make(year: 2009, number: 1234567) == "ENQ-09-1234567")
        #expect(EnquiryReference.normalise(" enq-26-123 ") == "ENQ-26-000123")
        #expect(EnquiryReference.normalise("ENQ-2026-1") == nil)
        #expect(EnquiryReference.normalise("pothole") == nil)
    }
}
