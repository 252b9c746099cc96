import Foundation

/// What a person typed into the search box, as terms every result must contain: single words,
/// and phrases in double quotes whose words must appear together in order. Only letters and digits
/// make a word; everything else separates words, so nothing typed can change the query's syntax
/// on either database. Stemming ("flooding" finds "flooded") is the database's.
public struct SearchText: Equatable, Sendable {
    public enum Term: Equatable, Sendable {
        case word(String)
        case phrase([String])

        var words: [String] {
            switch self {
            case .word(let word): [word]
            case .phrase(let words): words
            }
        }
    }

    public let terms: [Term]
    /// At most this many terms are used; a longer query is cut short.
    public static let maximumTerms = 12

    public init(_ text: String) {
        var terms: [Term] = []
        for (index, part) in text.split(separator: "\"", omittingEmptySubsequences: false).enumerated() {
            let words = Self.words(in: part)
            // Odd parts sit between quotes.
            if index % 2 == 1, words.count > 1 { terms.append(.phrase(words)) } else { terms += words.map(Term.word) }
        }
        self.terms = Array(terms.prefix(Self.maximumTerms))
    }

    public var isEmpty: Bool { terms.isEmpty }

    /// Every word, for highlighting.
    public var words: [String] { terms.flatMap(\.words) }

    /// The words of `text` as a search reads them, separated by spaces: for a document, an id
    /// like `SL-010023` written so that every database splits it as a search does (PostgreSQL's
    /// parser would otherwise read `-010023` as a negative number).
    public static func plainWords(_ text: String) -> String { words(in: Substring(text)).joined(separator: " ") }

    static func words(in text: Substring) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.map { String($0.prefix(60)) }
    }

    /// An SQLite FTS5 query: each term quoted (a phrase of one or more words), all required,
    /// limited to `columns`.
    public func fts5(columns: [String]) -> String {
        let body = terms.map { "\"" + $0.words.joined(separator: " ") + "\"" }.joined(separator: " AND ")
        return "{\(columns.joined(separator: " "))} : (\(body))"
    }

    /// A PostgreSQL `to_tsquery` text: words joined by `&`, phrases by `<->`, each word limited
    /// to the weights (the parts of the document) the person may search; no weights, any part.
    public func tsquery(weights: String) -> String {
        terms.map { term in
            let words = term.words.map { "'\($0)'" + (weights.isEmpty ? "" : ":" + weights) }
            return words.count == 1 ? words[0] : "(" + words.joined(separator: " <-> ") + ")"
        }.joined(separator: " & ")
    }
}

/// The part of the enquiries a search covers, by who is searching.
public enum SearchScope: String, Sendable, CaseIterable {
    /// A Member's own enquiries (or those an officer raised for a Member): no internal notes or
    /// questions to officers.
    case mine
    /// What an officer may see: a co-ordinator's service areas, or everything for an administrator;
    /// notes and questions to officers included.
    case officer
    /// A responder's: the enquiries they were asked about, their subject, details and location only.
    case asked

    /// The parts of the search document this scope reads: subject, core (details and location),
    /// conversation (updates, questions and replies with the Member, resident details), officer
    /// (notes, questions to officers and their answers).
    public var parts: [SearchPart] {
        switch self {
        case .mine: [.subject, .core, .conversation]
        case .officer: SearchPart.allCases
        case .asked: [.subject, .core]
        }
    }
}

public enum SearchPart: String, CaseIterable, Sendable {
    case subject, core, conversation, officer

    /// The PostgreSQL weight its words carry, which also ranks a match in the subject above one
    /// in a note.
    public var weight: Character {
        switch self {
        case .subject: "A"
        case .core: "B"
        case .conversation: "C"
        case .officer: "D"
        }
    }
}

extension SearchPart {
    /// The column holding this part's text in the index.
    public var column: String { rawValue + "_text" }
}
