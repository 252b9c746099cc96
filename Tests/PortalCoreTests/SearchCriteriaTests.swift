import PortalCore
import Testing

@Suite struct SearchCriteriaTests {
    @Test func aReferenceIsLookedUpExactly() {
        let (criteria, errors) = SearchCriteria.parse(["q": " enq-25-123 "])
        #expect(errors.isEmpty)
        #expect(criteria.reference == "ENQ-25-000123" && criteria.text.isEmpty)
    }

    @Test func textSortsByRelevanceUnlessAskedOtherwise() {
        #expect(SearchCriteria.parse(["q": "gully"]).criteria.sort == .relevance)
        #expect(SearchCriteria.parse(["q": "gully", "sort": "oldest"]).criteria.sort == .oldest)
        #expect(SearchCriteria.parse(["sort": "relevance"]).criteria.sort == .newest, "nothing to rank without text")
    }

    @Test func datesTheBritishWayOrISOAndRangesTheRightWayRound() {
        let (criteria, errors) = SearchCriteria.parse(["raised-from": "31/07/2025", "raised-to": "2026-07-30"])
        #expect(errors.isEmpty)
        #expect(criteria.raised == .init(from: CivilDate(year: 2025, month: 7, day: 31), to: CivilDate(year: 2026, month: 7, day: 30)))
        let (_, backwards) = SearchCriteria.parse(["completed-from": "2026-02-01", "completed-to": "2026-01-01"])
        #expect(backwards["completed-to"] == "The completed to date must be the same as or after the from date")
        let (bad, impossible) = SearchCriteria.parse(["raised-from": "31/02/2026", "status": "lost", "area": "x"])
        #expect(impossible["raised-from"] != nil && impossible["status"] != nil && impossible["area"] != nil)
        #expect(bad.raised.isEmpty && bad.status == nil, "nothing malformed is used")
    }

    @Test func anAssetIsOneLineOfAtMostAHundredCharacters() {
        let (criteria, errors) = SearchCriteria.parse(["asset": " sl-010023 "])
        #expect(errors.isEmpty)
        #expect(criteria.asset == "sl-010023")
        let (tabbed, control) = SearchCriteria.parse(["asset": "SL-01\u{7}0023"])
        #expect(tabbed.asset == nil)
        #expect(control["asset"] == "An asset's id must be one line of text, without line breaks, tabs or other control characters")
        let (long, tooLong) = SearchCriteria.parse(["asset": String(repeating: "A", count: 101)])
        #expect(long.asset == nil)
        #expect(tooLong["asset"] == "An asset's id is 100 characters or fewer")
        #expect(SearchCriteria.parse(["asset": String(repeating: "A", count: 100)]).criteria.asset?.count == 100)
        #expect(SearchCriteria.parse(["asset": "  "]).criteria.asset == nil, "left empty, no filter")
        #expect(SearchCriteria.fieldNames.contains("asset"), "kept in the search's address and saved searches")
    }
}
