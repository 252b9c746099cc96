/// Element and attribute constructors, named as in HTML. Only the elements the portal uses.
typealias HTMLContent = () -> [HTMLNode]

func element(_ name: String, _ attributes: [HTMLAttribute], @HTMLBuilder _ content: HTMLContent = { [] }) -> HTMLNode {
    .element(name, attributes, content())
}

func div(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("div", a, c) }
func span(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("span", a, c) }
func para(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("p", a, c) }
func strong(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("strong", a, c) }
func h1(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("h1", a, c) }
func h2(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("h2", a, c) }
func h3(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("h3", a, c) }
func ul(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("ul", a, c) }
func ol(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("ol", a, c) }
func li(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("li", a, c) }
func dl(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("dl", a, c) }
func dt(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("dt", a, c) }
func dd(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("dd", a, c) }
func link(_ href: String, _ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent) -> HTMLNode {
    element("a", [.href(href)] + a, c)
}
func table(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("table", a, c) }
func caption(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("caption", a, c) }
func thead(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("thead", a, c) }
func tbody(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("tbody", a, c) }
func tr(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("tr", a, c) }
func th(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("th", a, c) }
func td(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("td", a, c) }
func htmlForm(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("form", a, c) }
func fieldset(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("fieldset", a, c) }
func legend(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("legend", a, c) }
func label(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("label", a, c) }
func button(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("button", a, c) }
func select(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("select", a, c) }
func option(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("option", a, c) }
func textarea(_ a: HTMLAttribute..., text: String) -> HTMLNode { .element("textarea", a, [.text(text)]) }
func input(_ a: HTMLAttribute...) -> HTMLNode { .void("input", a) }
func section(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("section", a, c) }
func nav(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("nav", a, c) }
func details(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("details", a, c) }
func summary(_ a: HTMLAttribute..., @HTMLBuilder content c: HTMLContent = { [] }) -> HTMLNode { element("summary", a, c) }

extension HTMLAttribute {
    static func `class`(_ value: String) -> HTMLAttribute { .init("class", value) }
    static func id(_ value: String) -> HTMLAttribute { .init("id", value) }
    static func href(_ value: String) -> HTMLAttribute { .init("href", value) }
    static func name(_ value: String) -> HTMLAttribute { .init("name", value) }
    static func value(_ value: String) -> HTMLAttribute { .init("value", value) }
    static func type(_ value: String) -> HTMLAttribute { .init("type", value) }
    static func `for`(_ value: String) -> HTMLAttribute { .init("for", value) }
    static func action(_ value: String) -> HTMLAttribute { .init("action", value) }
    static func method(_ value: String) -> HTMLAttribute { .init("method", value) }
    static func autocomplete(_ value: String) -> HTMLAttribute { .init("autocomplete", value) }
    static func aria(_ name: String, _ value: String) -> HTMLAttribute { .init("aria-\(name)", value) }
    static func data(_ name: String, _ value: String) -> HTMLAttribute { .init("data-\(name)", value) }
    static func attr(_ name: String, _ value: String? = nil) -> HTMLAttribute { .init(name, value) }
    static let checked = HTMLAttribute("checked", nil)
    static let selected = HTMLAttribute("selected", nil)
    static let novalidate = HTMLAttribute("novalidate", nil)
    static let hidden = HTMLAttribute("hidden", nil)
    static let scopeCol = HTMLAttribute("scope", "col")
    static let scopeRow = HTMLAttribute("scope", "row")
}
