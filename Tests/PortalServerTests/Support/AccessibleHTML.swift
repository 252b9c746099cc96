import Foundation

/// What the portal's pages promise to assistive technology, checked in the HTML: one main
/// heading, every field with its label, an error summary whose links reach their fields, and
/// every button with words.
func accessibilityProblems(_ html: String) -> [String] {
    var problems: [String] = []
    func all(_ pattern: String) -> [[String]] {
        let expression = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        return expression.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { match in
            (0..<match.numberOfRanges).map { Range(match.range(at: $0), in: html).map { String(html[$0]) } ?? "" }
        }
    }
    let ids = Set(all(#"\sid="([^"]+)""#).map { $0[1] })
    let labelled = Set(all(#"<label[^>]*\sfor="([^"]+)""#).map { $0[1] })
    if all("<h1[\\s>]").count != 1 { problems.append("not one h1") }
    for field in all(#"<(input|select|textarea)\b([^>]*)>"#) {
        let attributes = field[2]
        if attributes.contains("type=\"hidden\"") || attributes.contains("type=\"submit\"") { continue }
        guard let id = try! NSRegularExpression(pattern: #"\sid="([^"]+)""#).firstMatch(in: attributes, range: NSRange(attributes.startIndex..., in: attributes))
            .flatMap({ Range($0.range(at: 1), in: attributes) }).map({ String(attributes[$0]) })
        else { problems.append("a field without an id: \(field[0])"); continue }
        if !labelled.contains(id) { problems.append("no label for \(id)") }
    }
    for target in all(#"class="error-summary".*?</div>"#).flatMap({ summary in
        try! NSRegularExpression(pattern: ##"href="#([^"]+)""##).matches(in: summary[0], range: NSRange(summary[0].startIndex..., in: summary[0]))
            .compactMap { Range($0.range(at: 1), in: summary[0]).map { String(summary[0][$0]) } }
    }) where !ids.contains(target) {
        problems.append("the error summary links to #\(target), which is not on the page")
    }
    for button in all(#"<button[^>]*>(.*?)</button>"#) where button[1].replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
        .trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        problems.append("a button without words")
    }
    return problems
}
