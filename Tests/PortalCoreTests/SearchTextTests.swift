import PortalCore
import Testing

@Suite struct SearchTextTests {
    @Test func wordsAndQuotedPhrases() {
        let text = SearchText("Flooding on \"Mill Lane\" near   school!")
        #expect(text.terms == [.word("flooding"), .word("on"), .phrase(["mill", "lane"]), .word("near"), .word("school")])
        #expect(SearchText("  ").isEmpty)
        #expect(SearchText("\"pothole\"").terms == [.word("pothole")], "a quoted single word is a word")
        #expect(SearchText("an \"unclosed phrase").terms == [.word("an"), .phrase(["unclosed", "phrase"])])
    }

    @Test func nothingTypedChangesTheQuerySyntax() {
        let hostile = SearchText("x' OR 1=1; -- {internal} : NEAR(a b) ) & ! <->")
        #expect(hostile.words == ["x", "or", "1", "1", "internal", "near", "a", "b"])
        #expect(hostile.fts5(columns: ["subject", "core"]) == "{subject core} : (\"x\" AND \"or\" AND \"1\" AND \"1\" AND \"internal\" AND \"near\" AND \"a\" AND \"b\")")
        #expect(SearchText("gully \"Mill Lane\"").tsquery(weights: "ABC") == "'gully':ABC & ('mill':ABC <-> 'lane':ABC)")
    }

    @Test func longQueriesAreCutShort() {
        let text = SearchText(Array(repeating: "word", count: 40).joined(separator: " "))
        #expect(text.terms.count == SearchText.maximumTerms)
    }

    @Test func eachScopeReadsOnlyWhatItMaySee() {
        #expect(!SearchScope.mine.parts.contains(.officer))
        #expect(SearchScope.officer.parts.contains(.officer))
        #expect(SearchScope.asked.parts == [.subject, .core])
    }
}

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
}
