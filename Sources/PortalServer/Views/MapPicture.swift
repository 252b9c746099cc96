import Foundation
import PortalCore

/// A map the server draws as SVG: boundaries and points on a plain background, north up, in grid
/// metres. It needs no JavaScript and no tile server, so every map page works without either;
/// the figure's caption and the page's text say in words what it shows. Its look is written as
/// presentation attributes, so it is the same inline or served as an image.
struct MapPicture: Sendable {
    struct Outline: Sendable {
        let name: String
        let kind: PlaceIndex.Kind
        let area: Area
    }

    struct Mark: Sendable {
        enum Style: String, Sendable { case spot, asset, nearby, cluster }
        let label: String
        let point: GridPoint
        let style: Style
        /// How many enquiries a cluster stands for.
        var count = 1
    }

    let window: GridBounds
    var outlines: [Outline] = []
    var marks: [Mark] = []

    /// A square window of `size` metres around a point, with the boundaries that cross it.
    static func around(_ point: GridPoint, size: Double = 1_500, places: PlaceIndex) -> MapPicture {
        var window = GridBounds([])
        window.include(GridPoint(easting: max(0, point.easting - size / 2), northing: max(0, point.northing - size / 2)) ?? point)
        window.include(GridPoint(easting: point.easting + size / 2, northing: point.northing + size / 2) ?? point)
        let outlines = places.places
            .filter { $0.area.bounds.minEasting <= window.maxEasting && $0.area.bounds.maxEasting >= window.minEasting
                && $0.area.bounds.minNorthing <= window.maxNorthing && $0.area.bounds.maxNorthing >= window.minNorthing }
            .map { Outline(name: $0.name, kind: $0.kind, area: $0.area) }
        return MapPicture(window: window, outlines: outlines)
    }

    /// The SVG, labelled for assistive technology by `title`.
    func svg(title: String) -> HTMLNode {
        let projection = Projection(window: window)
        let width = projection.width, height = projection.height
        func x(_ point: GridPoint) -> Int { projection.x(point) }
        func y(_ point: GridPoint) -> Int { projection.y(point) }
        // Only the stretches of each boundary near the window are drawn, so the page stays small.
        var margin = window
        margin.minEasting -= width; margin.maxEasting += width; margin.minNorthing -= height; margin.maxNorthing += height
        var children: [HTMLNode] = [element("title", []) { title }]
        children.append(element("rect", [.attr("fill", "#f3f2f1"), .attr("width", String(Int(width))), .attr("height", String(Int(height)))]))
        for outline in outlines.sorted(by: { $0.kind.rawValue > $1.kind.rawValue }) {
            let path = projection.path(outline.area, near: margin)
            guard !path.isEmpty else { continue }
            children.append(element("path", Self.look(outline.kind) + [.attr("fill", "none"), .attr("vector-effect", "non-scaling-stroke"), .attr("d", path)]))
        }
        for outline in outlines where outline.kind == .division {
            guard let label = outline.area.labelPoint, window.contains(label) else { continue }
            children.append(element("text", [.attr("fill", "#0b0c0c"), .attr("text-anchor", "middle"), .attr("font-family", "Arial, sans-serif"),
                                             .attr("x", String(x(label))), .attr("y", String(y(label))),
                                             .attr("font-size", String(Int(max(width, height) / 36)))]) { outline.name })
        }
        let radius = max(width, height) / 80
        for mark in marks {
            let attributes = Self.look(mark.style)
            switch mark.style {
            case .nearby:
                children.append(element("circle", attributes + [.attr("cx", String(x(mark.point))), .attr("cy", String(y(mark.point))),
                                                                .attr("r", String(Int(radius / 2)))]))
            case .spot:
                children.append(element("circle", attributes + [.attr("cx", String(x(mark.point))), .attr("cy", String(y(mark.point))),
                                                                .attr("r", String(Int(radius * 1.4)))]) { element("title", []) { mark.label } })
            case .cluster:
                // Area grows with the count, so a cluster of 100 looks ten times one of 1 across.
                let size = radius * (mark.count == 1 ? 0.8 : min(4, 0.9 + sqrt(Double(mark.count)) / 4))
                children.append(element("circle", attributes + [.attr("cx", String(x(mark.point))), .attr("cy", String(y(mark.point))),
                                                                .attr("r", String(Int(size)))]) { element("title", []) { mark.label } })
                if mark.count > 1 {
                    children.append(element("text", [.attr("fill", "#ffffff"), .attr("text-anchor", "middle"), .attr("dominant-baseline", "central"),
                                                     .attr("font-family", "Arial, sans-serif"), .attr("font-weight", "bold"),
                                                     .attr("font-size", String(Int(size))), .attr("x", String(x(mark.point))),
                                                     .attr("y", String(y(mark.point)))]) { String(mark.count) })
                }
            case .asset:
                let side = Int(radius * 2)
                children.append(element("rect", attributes + [.attr("x", String(x(mark.point) - side / 2)), .attr("y", String(y(mark.point) - side / 2)),
                                                              .attr("width", String(side)), .attr("height", String(side))]) { element("title", []) { mark.label } })
            }
        }
        return .element("svg", [.attr("viewBox", "0 0 \(Int(width)) \(Int(height))"), .attr("role", "img"),
                                .attr("aria-label", title), .attr("xmlns", "http://www.w3.org/2000/svg")], children)
    }

    static func look(_ kind: PlaceIndex.Kind) -> [HTMLAttribute] {
        switch kind {
        case .district: [.attr("stroke", "#0b0c0c"), .attr("stroke-width", "3")]
        case .division: [.attr("stroke", "#505a5f"), .attr("stroke-width", "2"), .attr("stroke-dasharray", "8 4")]
        case .parish: [.attr("stroke", "#6f777b"), .attr("stroke-width", "1"), .attr("stroke-dasharray", "2 3")]
        }
    }

    static func look(_ style: Mark.Style) -> [HTMLAttribute] {
        switch style {
        case .spot: [.attr("fill", "none"), .attr("stroke", "#d4351c"), .attr("stroke-width", "4"), .attr("vector-effect", "non-scaling-stroke")]
        case .asset: [.attr("fill", "#1d70b8"), .attr("stroke", "#ffffff"), .attr("stroke-width", "2"), .attr("vector-effect", "non-scaling-stroke")]
        case .nearby: [.attr("fill", "#6f777b")]
        case .cluster: [.attr("fill", "#d4351c"), .attr("stroke", "#ffffff"), .attr("stroke-width", "2"), .attr("vector-effect", "non-scaling-stroke")]
        }
    }

    /// The whole council, with its boundaries.
    static func council(_ places: PlaceIndex) -> MapPicture {
        MapPicture(window: places.bounds, outlines: places.places.map { Outline(name: $0.name, kind: $0.kind, area: $0.area) })
    }

    /// Points gathered into the cells of a grid laid over the window, one mark a cell at the
    /// middle of its points, labelled with how many it holds.
    static func clusters(_ points: [GridPoint], in window: GridBounds, across cells: Int = 24) -> [Mark] {
        let size = max(window.maxEasting - window.minEasting, window.maxNorthing - window.minNorthing) / Double(max(1, cells))
        guard size > 0 else { return points.map { Mark(label: "1 enquiry", point: $0, style: .cluster) } }
        var sums: [Int: (easting: Double, northing: Double, count: Int)] = [:]
        for point in points {
            let column = Int(((point.easting - window.minEasting) / size).rounded(.down)), row = Int(((point.northing - window.minNorthing) / size).rounded(.down))
            let key = row * 10_000 + column
            let sum = sums[key] ?? (0, 0, 0)
            sums[key] = (sum.easting + point.easting, sum.northing + point.northing, sum.count + 1)
        }
        return sums.sorted { $0.key < $1.key }.compactMap { _, sum in
            GridPoint(easting: sum.easting / Double(sum.count), northing: sum.northing / Double(sum.count)).map {
                Mark(label: sum.count == 1 ? "1 enquiry" : "\(sum.count) enquiries", point: $0, style: .cluster, count: sum.count)
            }
        }
    }

    /// The SVG as a standalone image document.
    func document(title: String) -> String { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg(title: title).render() }
}

extension MapPicture {
    /// Grid metres to a picture's own units: east to the right from the window's west edge, north
    /// up from its south edge, `scale` units to the metre. Every map the server draws turns areas
    /// into SVG paths here.
    struct Projection: Sendable {
        let window: GridBounds
        var scale = 1.0

        var width: Double { (window.maxEasting - window.minEasting) * scale }
        var height: Double { (window.maxNorthing - window.minNorthing) * scale }
        func x(_ point: GridPoint) -> Int { Int(((point.easting - window.minEasting) * scale).rounded()) }
        func y(_ point: GridPoint) -> Int { Int(((window.maxNorthing - point.northing) * scale).rounded()) }

        /// An area's rings as path data. Positions outside `near` are left out, each stretch
        /// between them drawn on its own; a ring drawn whole is closed, so it can be filled (holes
        /// by the even-odd rule). Positions that fall on one unit are written once.
        func path(_ area: Area, near: GridBounds? = nil) -> String {
            var path = ""
            for polygon in area.polygons {
                for ring in polygon {
                    var drawing = false, whole = true
                    var last: (Int, Int)?
                    for point in ring {
                        if let near, !near.contains(point) {
                            drawing = false
                            whole = false
                            continue
                        }
                        let at = (x(point), y(point))
                        if drawing, let last, last == at { continue }
                        path += (drawing ? "L" : "M") + "\(at.0) \(at.1)"
                        drawing = true
                        last = at
                    }
                    if whole, drawing { path += "Z" }
                }
            }
            return path
        }
    }
}
