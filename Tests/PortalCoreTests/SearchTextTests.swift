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

    @Test func anIdIsWrittenInTheWordsASearchSplitsItInto() {
        #expect(SearchText.plainWords("SL-010023") == "sl 010023")
        #expect(SearchText.plainWords("GY/12.b") == "gy 12 b")
        #expect(SearchText("SL-010023").words == SearchText.plainWords("SL-010023").split(separator: " ").map(String.init))
    }
}
