import Foundation
import PortalCore

/// A heat map drawn by the server as SVG: each area filled by its band of a figure, in a
/// sequential palette from light to dark with hatching that grows denser band by band, so the
/// bands read in black and white and to people who do not see colour; each area labelled with its
/// figure in a box of its own; and a key under the map. Its title and description speak for it to
/// assistive technology, and the table beside it on the page holds every figure. Its look is
/// written as presentation attributes, as the Content-Security-Policy allows no inline style.
struct HeatMapPicture: Sendable {
    struct Shaded: Sendable {
        let name: String
        let area: Area
        /// The figure as shown, or nil where there is none (a rate without a population).
        let value: Double?
        let text: String
    }

    /// A band of figures, inclusive, in units of the last decimal shown.
    struct Band: Sendable, Equatable {
        let lower: Int
        let upper: Int
        let label: String
        /// Its place in the palette and the hatching, 0 (lightest, plain) to 4.
        let shade: Int
    }

    var title: String
    /// The areas' plural noun, for the description: "divisions".
    var noun: String
    /// What the figures are, for the key: "Enquiries per 1,000 residents".
    var measure: String
    var decimals = 0
    var areas: [Shaded]
    /// Boundaries drawn over the shading for orientation (the districts on a map of divisions).
    var outlines: [Area] = []

    static let palette = ["#f0f5fa", "#bcd3e8", "#76a3cf", "#2d67a3", "#0c3666"]
    /// Lines per band: none, then single lines, then crossed, each closer than the last.
    static let hatching: [(spacing: Double, crossed: Bool)?] = [nil, (12, false), (6, false), (8, true), (4.5, true)]
    /// Where there is no figure: white, dotted.
    static let noFigure = "#ffffff"

    /// Up to five bands over the figures, each as wide as 1, 2 or 5 times a power of ten and
    /// starting at a multiple of its width; the last stretches to the largest figure.
    static func bands(minimum: Double, maximum: Double, decimals: Int) -> [Band] {
        let unit = pow(10, -Double(decimals))
        let top = max(0, Int((maximum / unit).rounded())), low = min(top, max(0, Int((minimum / unit).rounded())))
        let step = Int(BarChart.niceStep(Double(top - low) / 5))
        let start = low / step * step
        let count = min(5, (top - start) / step + 1)
        func text(_ units: Int) -> String { decimals == 0 ? String(units) : String(format: "%.\(decimals)f", Double(units) * unit) }
        return (0..<count).map { index in
            let lower = start + index * step, upper = index == count - 1 ? top : lower + step - 1
            return Band(lower: lower, upper: upper, label: lower == upper ? text(lower) : "\(text(lower)) to \(text(upper))",
                        shade: count == 1 ? 0 : Int((Double(index) * 4 / Double(count - 1)).rounded()))
        }
    }

    static func band(of value: Double, in bands: [Band], decimals: Int) -> Band? {
        let units = Int((value / pow(10, -Double(decimals))).rounded())
        return bands.last { units >= $0.lower }
    }

    func svg(id: String) -> HTMLNode {
        let values = areas.compactMap(\.value)
        let bands = Self.bands(minimum: values.min() ?? 0, maximum: values.max() ?? 0, decimals: decimals)
        let missing = areas.contains { $0.value == nil }
        var window = GridBounds([])
        for shaded in areas { window.include(shaded.area.bounds) }
        let width = 760.0, pad = 8.0
        let projection = MapPicture.Projection(window: window, scale: window.isEmpty ? 1 : (width - 2 * pad) / max(window.maxEasting - window.minEasting, 1))
        let mapHeight = projection.height + 2 * pad
        let keyColumns = 3, keyItems = bands.count + (missing ? 1 : 0)
        let keyTop = mapHeight + 12, keyRow = 28.0
        let height = keyTop + 24 + keyRow * Double((keyItems + keyColumns - 1) / keyColumns)
        func fill(_ value: Double?) -> String {
            guard let value, let band = Self.band(of: value, in: bands, decimals: decimals) else { return "url(#\(id)-none)" }
            return "url(#\(id)-band-\(band.shade))"
        }
        let showNames = areas.count <= 30
        return element("svg", [.attr("xmlns", "http://www.w3.org/2000/svg"), .attr("viewBox", "0 0 \(Int(width)) \(Int(height.rounded(.up)))"),
                               .attr("role", "img"), .aria("labelledby", "\(id)-title \(id)-desc"), .class("chart heat-map")]) {
            element("title", [.id("\(id)-title")]) { title }
            element("desc", [.id("\(id)-desc")]) { description(bands, missing: missing) }
            element("defs", []) {
                for shade in Set(bands.map(\.shade)).sorted() { Self.pattern(id: "\(id)-band-\(shade)", shade: shade) }
                element("pattern", [.id("\(id)-none"), .attr("width", "8"), .attr("height", "8"), .attr("patternUnits", "userSpaceOnUse")]) {
                    element("rect", [.attr("width", "8"), .attr("height", "8"), .attr("fill", Self.noFigure)])
                    element("circle", [.attr("cx", "4"), .attr("cy", "4"), .attr("r", "1"), .attr("fill", "#505a5f")])
                }
            }
            element("g", [.attr("transform", "translate(\(Int(pad)) \(Int(pad)))")]) {
                for shaded in areas {
                    element("path", [.attr("d", projection.path(shaded.area)), .attr("fill", fill(shaded.value)), .attr("fill-rule", "evenodd"),
                                     .attr("stroke", "#0b0c0c"), .attr("stroke-width", "0.75"), .attr("stroke-linejoin", "round")]) {
                        element("title", []) { "\(shaded.name): \(shaded.text)" }
                    }
                }
                for outline in outlines {
                    element("path", [.attr("d", projection.path(outline)), .attr("fill", "none"), .attr("stroke", "#0b0c0c"),
                                     .attr("stroke-width", "2.5"), .attr("stroke-linejoin", "round")])
                }
                for shaded in areas {
                    if let point = shaded.area.labelPoint {
                        Self.label(shaded, x: Double(projection.x(point)), y: Double(projection.y(point)), withName: showNames,
                                   room: (shaded.area.bounds.maxEasting - shaded.area.bounds.minEasting) * projection.scale)
                    }
                }
            }
            element("text", [.attr("x", f(pad)), .attr("y", f(keyTop + 14)), .attr("font-size", "15"), .attr("font-weight", "700"),
                             .attr("font-family", "Arial, sans-serif"), .attr("fill", "#0b0c0c")]) { "Key: \(measure.lowercased())" }
            for (index, item) in (bands.map { ($0.label, "url(#\(id)-band-\($0.shade))") } + (missing ? [("No population loaded", "url(#\(id)-none)")] : [])).enumerated() {
                let x = pad + Double(index % keyColumns) * (width - 2 * pad) / Double(keyColumns)
                let y = keyTop + 24 + Double(index / keyColumns) * keyRow
                element("rect", [.attr("x", f(x)), .attr("y", f(y)), .attr("width", "40"), .attr("height", "20"), .attr("fill", item.1),
                                 .attr("stroke", "#0b0c0c"), .attr("stroke-width", "1")])
                element("text", [.attr("x", f(x + 48)), .attr("y", f(y + 15)), .attr("font-size", "14"), .attr("font-family", "Arial, sans-serif"),
                                 .attr("fill", "#0b0c0c")]) { item.0 }
            }
        }
    }

    /// The words for assistive technology: what is shaded, the key and the highest figures.
    func description(_ bands: [Band], missing: Bool) -> String {
        let top = areas.filter { $0.value != nil }.sorted { ($0.value ?? 0, $1.name) > ($1.value ?? 0, $0.name) }.prefix(3)
        var words = "The \(noun) of the council, each shaded by its \(measure.lowercased()) and, where there is room, labelled with the figure. "
        words += bands.count > 1
            ? "\(bands.count) bands, from \(bands.first!.label) (lightest, plain) to \(bands.last!.label) (darkest, densest cross-hatching). "
            : "Every one has \(bands.first?.label ?? "0"). "
        if missing { words += "White with dots: no population loaded. " }
        if !top.isEmpty { words += "Highest: " + top.map { "\($0.name), \($0.text)" }.joined(separator: "; ") + ". " }
        return words + "The table gives every figure."
    }

    private static func boxWidth(_ lines: [String]) -> Double { Double(lines.map(\.count).max() ?? 1) * 7.2 + 10 }

    private static func pattern(id: String, shade: Int) -> HTMLNode {
        let lines = hatching[shade]
        let size = lines?.spacing ?? 8
        let ink = shade >= 3 ? "#ffffff" : "#0b0c0c"
        return element("pattern", [.id(id), .attr("width", f(size)), .attr("height", f(size)), .attr("patternUnits", "userSpaceOnUse"),
                                   .attr("patternTransform", "rotate(45)")]) {
            element("rect", [.attr("width", f(size)), .attr("height", f(size)), .attr("fill", palette[shade])])
            if lines != nil {
                element("line", [.attr("x1", "0"), .attr("y1", "0"), .attr("x2", "0"), .attr("y2", f(size)), .attr("stroke", ink), .attr("stroke-width", "1.5")])
            }
            if lines?.crossed == true {
                element("line", [.attr("x1", "0"), .attr("y1", "0"), .attr("x2", f(size)), .attr("y2", "0"), .attr("stroke", ink), .attr("stroke-width", "1.5")])
            }
        }
    }

    /// The figure (under the name, when there is room) in a white box, legible on any shade. An
    /// area narrower than its figure's box is left to its tooltip and the table, so that labels
    /// never pile up over small parishes.
    private static func label(_ shaded: Shaded, x: Double, y: Double, withName: Bool, room: Double) -> HTMLNode {
        let named = withName && boxWidth([shaded.name, shaded.text]) <= room
        let lines = named ? [shaded.name, shaded.text] : [shaded.text]
        let width = boxWidth(lines), height = Double(lines.count) * 16 + 6
        guard width <= room else { return .empty }
        let top = y - height / 2
        return element("g", []) {
            element("rect", [.attr("x", f(x - width / 2)), .attr("y", f(top)), .attr("width", f(width)), .attr("height", f(height)),
                             .attr("rx", "3"), .attr("fill", "#ffffff"), .attr("fill-opacity", "0.92"), .attr("stroke", "#0b0c0c"), .attr("stroke-width", "0.75")])
            for (index, line) in lines.enumerated() {
                element("text", [.attr("x", f(x)), .attr("y", f(top + 16 + Double(index) * 16)), .attr("text-anchor", "middle"),
                                 .attr("font-family", "Arial, sans-serif"), .attr("font-size", index == lines.count - 1 ? "13" : "12"),
                                 .attr("font-weight", index == lines.count - 1 ? "700" : "400"), .attr("fill", "#0b0c0c")]) { line }
            }
        }
    }
}

private func f(_ value: Double) -> String { String(format: "%.1f", value) }
