/// A rectangle on the grid, for quick rejection before exact geometry.
public struct GridBounds: Sendable, Hashable, Codable {
    public var minEasting, minNorthing, maxEasting, maxNorthing: Double

    public init(_ points: some Sequence<GridPoint>) {
        minEasting = .infinity; minNorthing = .infinity; maxEasting = -.infinity; maxNorthing = -.infinity
        for point in points { include(point) }
    }

    /// The square of `radius` metres each way around a point: what an index on easting and
    /// northing reads before the exact distance is measured.
    public init(around point: GridPoint, radius: Double) {
        self.init([])
        minEasting = point.easting - radius; maxEasting = point.easting + radius
        minNorthing = point.northing - radius; maxNorthing = point.northing + radius
    }

    public mutating func include(_ point: GridPoint) {
        minEasting = min(minEasting, point.easting); maxEasting = max(maxEasting, point.easting)
        minNorthing = min(minNorthing, point.northing); maxNorthing = max(maxNorthing, point.northing)
    }

    public mutating func include(_ other: GridBounds) {
        minEasting = min(minEasting, other.minEasting); maxEasting = max(maxEasting, other.maxEasting)
        minNorthing = min(minNorthing, other.minNorthing); maxNorthing = max(maxNorthing, other.maxNorthing)
    }

    public func contains(_ point: GridPoint) -> Bool {
        point.easting >= minEasting && point.easting <= maxEasting && point.northing >= minNorthing && point.northing <= maxNorthing
    }

    public var isEmpty: Bool { minEasting > maxEasting }
}

/// An area on the grid: one or more polygons, each an outer ring less any holes, every ring
/// closed and never crossing itself (`AreaCheck` refuses anything else). A district, division or
/// parish is one.
public struct Area: Sendable, Hashable, Codable {
    /// Each polygon's rings: the outer first, then its holes; each ring closed (last = first).
    public let polygons: [[[GridPoint]]]
    public let bounds: GridBounds

    public init(polygons: [[[GridPoint]]]) {
        self.polygons = polygons
        bounds = GridBounds(polygons.lazy.flatMap { $0.first ?? [] })
    }

    /// Inside an outer ring and outside its holes. A point exactly on an edge may go either way.
    public func contains(_ point: GridPoint) -> Bool {
        guard bounds.contains(point) else { return false }
        for rings in polygons {
            guard let outer = rings.first, Self.ring(outer, contains: point) else { continue }
            if !rings.dropFirst().contains(where: { Self.ring($0, contains: point) }) { return true }
        }
        return false
    }

    /// The even-odd rule: a ray eastwards crosses the ring an odd number of times from inside.
    static func ring(_ ring: [GridPoint], contains point: GridPoint) -> Bool {
        var inside = false
        var j = ring.count - 1
        for i in ring.indices {
            let a = ring[i], b = ring[j]
            if (a.northing > point.northing) != (b.northing > point.northing) {
                let crossing = a.easting + (point.northing - a.northing) / (b.northing - a.northing) * (b.easting - a.easting)
                if point.easting < crossing { inside.toggle() }
            }
            j = i
        }
        return inside
    }

    /// Square metres: each polygon's outer ring less its holes.
    public var squareMetres: Double {
        polygons.reduce(0) { total, rings in
            total + abs(Self.signedArea(rings.first ?? [])) - rings.dropFirst().reduce(0) { $0 + abs(Self.signedArea($1)) }
        }
    }

    static func signedArea(_ ring: [GridPoint]) -> Double {
        guard ring.count > 2 else { return 0 }
        var sum = 0.0
        for i in 0..<(ring.count - 1) {
            sum += ring[i].easting * ring[i + 1].northing - ring[i + 1].easting * ring[i].northing
        }
        return sum / 2
    }

    /// A point well inside the area, for a label: the centre of the widest stretch of the
    /// horizontal line through the middle of its largest polygon.
    public var labelPoint: GridPoint? {
        guard let largest = polygons.max(by: { abs(Self.signedArea($0.first ?? [])) < abs(Self.signedArea($1.first ?? [])) }),
              let outer = largest.first else { return nil }
        let box = GridBounds(outer)
        let y = (box.minNorthing + box.maxNorthing) / 2
        var crossings: [Double] = []
        for ring in largest {
            for i in 0..<max(0, ring.count - 1) {
                let a = ring[i], b = ring[i + 1]
                if (a.northing > y) != (b.northing > y) {
                    crossings.append(a.easting + (y - a.northing) / (b.northing - a.northing) * (b.easting - a.easting))
                }
            }
        }
        crossings.sort()
        var best: (Double, Double)?
        var index = 0
        while index + 1 < crossings.count {
            let span = (crossings[index], crossings[index + 1])
            if best == nil || span.1 - span.0 > best!.1 - best!.0 { best = span }
            index += 2
        }
        guard let best else { return nil }
        return GridPoint(unchecked: (best.0 + best.1) / 2, y)
    }
}

/// What is wrong with a ring, for an import's message.
public enum RingProblem: Sendable, Equatable {
    case tooFewPoints, notClosed
    case crossesItself(near: GridPoint)

    public var message: String {
        switch self {
        case .tooFewPoints: "a ring needs at least four positions, the last the same as the first"
        case .notClosed: "a ring is not closed: its last position must be the same as its first"
        case .crossesItself(let point): "a ring crosses itself near grid reference \(GridReference.text(point) ?? point.text)"
        }
    }
}

public enum AreaCheck {
    /// Nil for a good ring: closed, at least four positions, no edge crossing another.
    public static func problem(in ring: [GridPoint]) -> RingProblem? {
        guard ring.count >= 4 else { return .tooFewPoints }
        guard ring.first == ring.last else { return .notClosed }
        return crossing(in: ring).map { .crossesItself(near: $0) }
    }

    /// Where two edges that are not neighbours meet, if any: edges sorted by their west end, each
    /// compared only with edges still open to its east, so a long boundary is checked quickly.
    static func crossing(in ring: [GridPoint]) -> GridPoint? {
        let count = ring.count - 1
        let edges = (0..<count).sorted { min(ring[$0].easting, ring[$0 + 1].easting) < min(ring[$1].easting, ring[$1 + 1].easting) }
        var open: [Int] = []
        for edge in edges {
            let west = min(ring[edge].easting, ring[edge + 1].easting)
            open.removeAll { max(ring[$0].easting, ring[$0 + 1].easting) < west }
            for other in open {
                let gap = abs(edge - other)
                if gap <= 1 || gap == count - 1 { continue }
                if let point = intersection(ring[edge], ring[edge + 1], ring[other], ring[other + 1]) { return point }
            }
            open.append(edge)
        }
        return nil
    }

    /// Where segments ab and cd meet (touching counts), or nil.
    static func intersection(_ a: GridPoint, _ b: GridPoint, _ c: GridPoint, _ d: GridPoint) -> GridPoint? {
        func cross(_ o: GridPoint, _ p: GridPoint, _ q: GridPoint) -> Double {
            (p.easting - o.easting) * (q.northing - o.northing) - (p.northing - o.northing) * (q.easting - o.easting)
        }
        func within(_ o: GridPoint, _ p: GridPoint, _ q: GridPoint) -> Bool {
            min(o.easting, p.easting) <= q.easting && q.easting <= max(o.easting, p.easting)
                && min(o.northing, p.northing) <= q.northing && q.northing <= max(o.northing, p.northing)
        }
        let d1 = cross(c, d, a), d2 = cross(c, d, b), d3 = cross(a, b, c), d4 = cross(a, b, d)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
            let t = d1 / (d1 - d2)
            return GridPoint(unchecked: a.easting + t * (b.easting - a.easting), a.northing + t * (b.northing - a.northing))
        }
        if d1 == 0 && within(c, d, a) { return a }
        if d2 == 0 && within(c, d, b) { return b }
        if d3 == 0 && within(a, b, c) { return c }
        if d4 == 0 && within(a, b, d) { return d }
        return nil
    }
}
