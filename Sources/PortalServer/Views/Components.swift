import PortalCore
import Vapor

/// Form pieces shared by every page, after the GOV.UK Design System: each input has a label, an
/// optional hint and an error message tied to it with `aria-describedby`, and a form with errors
/// opens with an error summary whose links move focus to the field.

/// The form's CSRF token, as the page's model carries it (`Request.csrfToken`).
func csrfField(_ token: String) -> HTMLNode {
    input(.type("hidden"), .name(CSRFMiddleware.formField), .value(token))
}

func errorSummary(_ errors: FormErrors) -> HTMLNode {
    guard !errors.isEmpty else { return .empty }
    return div(.class("error-summary"), .attr("role", "alert"), .attr("tabindex", "-1"), .aria("labelledby", "error-summary-title")) {
        h2(.class("error-summary-title"), .id("error-summary-title")) { "There is a problem" }
        ul(.class("error-summary-list")) {
            for error in errors.all {
                li { link("#\(error.field)") { error.message } }
            }
        }
    }
}

struct FieldOptions {
    var hint: String? = nil
    var type = "text"
    var autocomplete: String? = nil
    var width: String? = nil
    var spellcheck: Bool? = nil
    /// The keyboard a phone offers ("email", "tel", "numeric"), for fields kept as `type="text"`
    /// so that `autocomplete` may say what they hold.
    var inputMode: String? = nil
}

func textField(_ id: String, label text: String, value: String?, errors: FormErrors, _ options: FieldOptions = .init()) -> HTMLNode {
    let error = errors[id]
    var attributes: [HTMLAttribute] = [
        .class("input" + (options.width.map { " input-\($0)" } ?? "") + (error == nil ? "" : " input-error")),
        .id(id), .name(id), .type(options.type), .value(value ?? ""),
    ]
    if let autocomplete = options.autocomplete { attributes.append(.autocomplete(autocomplete)) }
    if let spellcheck = options.spellcheck { attributes.append(.attr("spellcheck", spellcheck ? "true" : "false")) }
    if let inputMode = options.inputMode { attributes.append(.attr("inputmode", inputMode)) }
    if let described = describedBy(id, hint: options.hint, error: error) { attributes.append(.aria("describedby", described)) }
    return div(.class("form-group" + (error == nil ? "" : " form-group-error"))) {
        label(.class("label"), .for(id)) { text }
        hintAndError(id, hint: options.hint, error: error)
        HTMLNode.void("input", attributes)
    }
}

func textArea(_ id: String, label text: String, value: String?, errors: FormErrors, hint: String? = nil, rows: Int = 5) -> HTMLNode {
    let error = errors[id]
    var attributes: [HTMLAttribute] = [
        .class("textarea" + (error == nil ? "" : " input-error")), .id(id), .name(id), .attr("rows", String(rows)),
    ]
    if let described = describedBy(id, hint: hint, error: error) { attributes.append(.aria("describedby", described)) }
    return div(.class("form-group" + (error == nil ? "" : " form-group-error"))) {
        label(.class("label"), .for(id)) { text }
        hintAndError(id, hint: hint, error: error)
        HTMLNode.element("textarea", attributes, [.text(value ?? "")])
    }
}

struct Choice {
    let value: String
    let label: String
    var hint: String? = nil
    /// More for the option, such as a `data-` attribute a script reads.
    var attributes: [HTMLAttribute] = []
}

func selectField(_ id: String, label text: String, choices: [Choice], selected: String?, errors: FormErrors,
                 hint: String? = nil, placeholder: String? = "Choose…") -> HTMLNode {
    let error = errors[id]
    var attributes: [HTMLAttribute] = [.class("select" + (error == nil ? "" : " input-error")), .id(id), .name(id)]
    if let described = describedBy(id, hint: hint, error: error) { attributes.append(.aria("describedby", described)) }
    return div(.class("form-group" + (error == nil ? "" : " form-group-error"))) {
        label(.class("label"), .for(id)) { text }
        hintAndError(id, hint: hint, error: error)
        element("select", attributes) {
            if let placeholder { option(.value("")) { placeholder } }
            for choice in choices {
                element("option", [.value(choice.value)] + (choice.value == selected ? [.selected] : []) + choice.attributes) { choice.label }
            }
        }
    }
}

/// A select whose options are grouped (divisions by district, sub-types by type).
func groupedSelectField(_ id: String, label text: String, groups: [(String, [Choice])], selected: String?, errors: FormErrors,
                        hint: String? = nil, placeholder: String = "Choose…") -> HTMLNode {
    let error = errors[id]
    var attributes: [HTMLAttribute] = [.class("select" + (error == nil ? "" : " input-error")), .id(id), .name(id)]
    if let described = describedBy(id, hint: hint, error: error) { attributes.append(.aria("describedby", described)) }
    return div(.class("form-group" + (error == nil ? "" : " form-group-error"))) {
        label(.class("label"), .for(id)) { text }
        hintAndError(id, hint: hint, error: error)
        element("select", attributes) {
            option(.value("")) { placeholder }
            for (groupLabel, choices) in groups where !choices.isEmpty {
                element("optgroup", [.attr("label", groupLabel)]) {
                    for choice in choices {
                        element("option", [.value(choice.value)] + (choice.value == selected ? [.selected] : [])) { choice.label }
                    }
                }
            }
        }
    }
}

/// Radio buttons in a fieldset, for a short list of choices shown at once.
func radios(_ id: String, legend text: String, choices: [Choice], selected: String?, errors: FormErrors, hint: String? = nil) -> HTMLNode {
    choiceGroup(id, legend: text, choices: choices, chosen: selected.map { [$0] } ?? [], errors: errors, hint: hint, type: "radio", name: id)
}

/// A group of checkboxes in a fieldset, posted as `id[]`.
func checkboxes(_ id: String, legend text: String, choices: [Choice], checked: Set<String>, errors: FormErrors,
                hint: String? = nil) -> HTMLNode {
    choiceGroup(id, legend: text, choices: choices, chosen: checked, errors: errors, hint: hint, type: "checkbox", name: "\(id)[]")
}

/// Checkboxes or radios in a fieldset with a legend, hint and error. The first input carries the
/// group's id, so the error summary's link lands on it.
private func choiceGroup(_ id: String, legend text: String, choices: [Choice], chosen: Set<String>, errors: FormErrors,
                         hint: String?, type: String, name: String) -> HTMLNode {
    let error = errors[id]
    var fieldsetAttributes: [HTMLAttribute] = [.class("fieldset")]
    if let described = describedBy(id, hint: hint, error: error) { fieldsetAttributes.append(.aria("describedby", described)) }
    return div(.class("form-group" + (error == nil ? "" : " form-group-error"))) {
        element("fieldset", fieldsetAttributes) {
            legend(.class("fieldset-legend")) { text }
            hintAndError(id, hint: hint, error: error)
            div(.class(type == "radio" ? "checkboxes radios" : "checkboxes")) {
                for (index, choice) in choices.enumerated() {
                    let inputID = index == 0 ? id : "\(id)-\(index + 1)"
                    div(.class("checkbox")) {
                        HTMLNode.void("input", [.class("checkbox-input"), .id(inputID), .name(name), .type(type), .value(choice.value)]
                                      + (chosen.contains(choice.value) ? [.checked] : []))
                        label(.class("checkbox-label"), .for(inputID)) {
                            choice.label
                            if let hint = choice.hint { span(.class("checkbox-hint")) { hint } }
                        }
                    }
                }
            }
        }
    }
}

/// One checkbox with its label and hint, posted as `on` when ticked.
func checkbox(_ id: String, label text: String, checked: Bool, hint: String? = nil) -> HTMLNode {
    var attributes: [HTMLAttribute] = [.class("checkbox-input"), .id(id), .name(id), .type("checkbox"), .value("on")]
    if checked { attributes.append(.checked) }
    if hint != nil { attributes.append(.aria("describedby", "\(id)-hint")) }
    return div(.class("form-group")) {
        div(.class("checkboxes")) {
            div(.class("checkbox")) {
                HTMLNode.void("input", attributes)
                label(.class("checkbox-label"), .for(id)) {
                    text
                    if let hint { span(.class("checkbox-hint"), .id("\(id)-hint")) { hint } }
                }
            }
        }
    }
}

/// `formAction` sends the form to another address when this button is pressed.
func submitButton(_ text: String, style: String = "", name: String? = nil, value: String? = nil, formAction: String? = nil) -> HTMLNode {
    var attributes: [HTMLAttribute] = [.type("submit"), .class("button" + (style.isEmpty ? "" : " button-\(style)"))]
    if let name { attributes.append(.name(name)) }
    if let value { attributes.append(.value(value)) }
    if let formAction { attributes.append(.attr("formaction", formAction)) }
    return element("button", attributes) { text }
}

/// A small table of label and value, for showing a record's details. Each term and its value
/// are the list's own children (no wrapping element), which every screen reader pairs up; the
/// stylesheet lays them out as rows.
func summaryList(_ rows: [(String, String)]) -> HTMLNode {
    dl(.class("summary-list")) {
        for (key, value) in rows {
            dt(.class("summary-key")) { key }
            dd(.class("summary-value")) { value }
        }
    }
}

/// A file input with its label, hint and error, after the GOV.UK file upload pattern.
/// `accept` suggests the kinds of file to the browser's chooser (the server still checks them).
func fileField(_ id: String, label text: String, errors: FormErrors, hint: String?, multiple: Bool = true, accept: String? = nil) -> HTMLNode {
    let error = errors[id]
    var attributes: [HTMLAttribute] = [.class("file-upload" + (error == nil ? "" : " input-error")), .id(id), .name(id), .type("file")]
    if multiple { attributes.append(.attr("multiple", "")) }
    if let accept { attributes.append(.attr("accept", accept)) }
    if let described = describedBy(id, hint: hint, error: error) { attributes.append(.aria("describedby", described)) }
    return div(.class("form-group" + (error == nil ? "" : " form-group-error"))) {
        label(.class("label"), .for(id)) { text }
        hintAndError(id, hint: hint, error: error)
        HTMLNode.void("input", attributes)
    }
}

private func describedBy(_ id: String, hint: String?, error: String?) -> String? {
    let parts = [hint == nil ? nil : "\(id)-hint", error == nil ? nil : "\(id)-error"].compactMap { $0 }
    return parts.isEmpty ? nil : parts.joined(separator: " ")
}

private func hintAndError(_ id: String, hint: String?, error: String?) -> HTMLNode {
    .group([
        hint.map { text in div(.class("hint"), .id("\(id)-hint")) { text } } ?? .empty,
        error.map { text in
            para(.class("error-message"), .id("\(id)-error")) {
                span(.class("visually-hidden")) { "Error: " }
                text
            }
        } ?? .empty,
    ])
}
