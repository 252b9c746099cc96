import Foundation

/// Converts between WGS84 latitude and longitude and the British National Grid, as PROJ does for
/// EPSG:4326 to EPSG:27700 without the OSTN15 grid: a seven-parameter Helmert shift from the WGS84
/// ellipsoid to OSGB36's Airy 1830 (good to a few metres against the national transformation), then
/// the grid's Transverse Mercator projection (millimetres). Checked against `cs2cs` in the tests.
public enum BritishNationalGrid {
    struct Ellipsoid {
        let a: Double
        let b: Double
        var e2: Double { (a * a - b * b) / (a * a) }
    }

    static let wgs84 = Ellipsoid(a: 6_378_137.000, b: 6_356_752.314245)
    static let airy1830 = Ellipsoid(a: 6_377_563.396, b: 6_356_256.909)

    /// The Helmert transformation from WGS84 to OSGB36 (position vector convention): translation in
    /// metres, rotations in arc seconds, scale in parts per million.
    struct Helmert {
        let tx, ty, tz, rx, ry, rz, ppm: Double

        var inverse: Helmert { Helmert(tx: -tx, ty: -ty, tz: -tz, rx: -rx, ry: -ry, rz: -rz, ppm: -ppm) }

        func apply(_ p: (x: Double, y: Double, z: Double)) -> (x: Double, y: Double, z: Double) {
            let arcSecond = Double.pi / (180 * 3600)
            let (rx, ry, rz) = (self.rx * arcSecond, self.ry * arcSecond, self.rz * arcSecond)
            let s = 1 + ppm / 1_000_000
            return (tx + s * p.x - rz * p.y + ry * p.z,
                    ty + rz * p.x + s * p.y - rx * p.z,
                    tz - ry * p.x + rx * p.y + s * p.z)
        }
    }

    static let toOSGB36 = Helmert(tx: -446.448, ty: 125.157, tz: -542.060, rx: -0.1502, ry: -0.2470, rz: -0.8421, ppm: 20.4894)

    // The grid's projection: Airy 1830, true origin 49°N 2°W, false origin 400 km west and 100 km north of it.
    static let scale = 0.9996012717
    static let originLatitude = 49.0 * .pi / 180
    static let originLongitude = -2.0 * .pi / 180
    static let falseEasting = 400_000.0
    static let falseNorthing = -100_000.0

    /// The grid point of a latitude and longitude; nil when it falls off the grid.
    public static func grid(_ point: GeoPoint) -> GridPoint? {
        let (lat, lon) = shift(latitude: point.latitude, longitude: point.longitude, from: wgs84, to: airy1830, by: toOSGB36)
        let (e, n) = project(latitude: lat, longitude: lon)
        return GridPoint(easting: e, northing: n)
    }

    /// The latitude and longitude of a grid point.
    public static func geo(_ point: GridPoint) -> GeoPoint {
        let (lat, lon) = unproject(easting: point.easting, northing: point.northing)
        let (latitude, longitude) = shift(latitude: lat * 180 / .pi, longitude: lon * 180 / .pi, from: airy1830, to: wgs84, by: toOSGB36.inverse)
        return GeoPoint(latitude: latitude * 180 / .pi, longitude: longitude * 180 / .pi)!
    }

    /// Degrees in, radians out: from one datum to the other through Earth-centred coordinates.
    static func shift(latitude: Double, longitude: Double, from: Ellipsoid, to: Ellipsoid, by helmert: Helmert) -> (Double, Double) {
        let phi = latitude * .pi / 180, lambda = longitude * .pi / 180
        let nu = from.a / (1 - from.e2 * sin(phi) * sin(phi)).squareRoot()
        let cartesian = (x: nu * cos(phi) * cos(lambda), y: nu * cos(phi) * sin(lambda), z: (1 - from.e2) * nu * sin(phi))
        let (x, y, z) = helmert.apply(cartesian)
        let p = (x * x + y * y).squareRoot()
        var newPhi = atan2(z, p * (1 - to.e2))
        for _ in 0..<10 {
            let nu2 = to.a / (1 - to.e2 * sin(newPhi) * sin(newPhi)).squareRoot()
            let next = atan2(z + to.e2 * nu2 * sin(newPhi), p)
            if abs(next - newPhi) < 1e-12 { newPhi = next; break }
            newPhi = next
        }
        return (newPhi, atan2(y, x))
    }

    /// The meridional arc from the true origin's latitude to `phi`, on Airy 1830, scaled.
    static func meridionalArc(_ phi: Double) -> Double {
        let a = airy1830.a, b = airy1830.b
        let n = (a - b) / (a + b), n2 = n * n, n3 = n2 * n
        let d = phi - originLatitude, s = phi + originLatitude
        return b * scale * ((1 + n + 5.0 / 4 * n2 + 5.0 / 4 * n3) * d
            - (3 * n + 3 * n2 + 21.0 / 8 * n3) * sin(d) * cos(s)
            + (15.0 / 8 * n2 + 15.0 / 8 * n3) * sin(2 * d) * cos(2 * s)
            - 35.0 / 24 * n3 * sin(3 * d) * cos(3 * s))
    }

    /// Radians on Airy 1830 to easting and northing.
    static func project(latitude phi: Double, longitude lambda: Double) -> (Double, Double) {
        let a = airy1830.a, e2 = airy1830.e2
        let sinPhi = sin(phi), cosPhi = cos(phi), tanPhi = tan(phi)
        let nu = a * scale / (1 - e2 * sinPhi * sinPhi).squareRoot()
        let rho = a * scale * (1 - e2) / pow(1 - e2 * sinPhi * sinPhi, 1.5)
        let eta2 = nu / rho - 1
        let t2 = tanPhi * tanPhi, t4 = t2 * t2
        let i = meridionalArc(phi) + falseNorthing
        let ii = nu / 2 * sinPhi * cosPhi
        let iii = nu / 24 * sinPhi * pow(cosPhi, 3) * (5 - t2 + 9 * eta2)
        let iiia = nu / 720 * sinPhi * pow(cosPhi, 5) * (61 - 58 * t2 + t4)
        let iv = nu * cosPhi
        let v = nu / 6 * pow(cosPhi, 3) * (nu / rho - t2)
        let vi = nu / 120 * pow(cosPhi, 5) * (5 - 18 * t2 + t4 + 14 * eta2 - 58 * t2 * eta2)
        let dl = lambda - originLongitude
        let northing = i + ii * dl * dl + iii * pow(dl, 4) + iiia * pow(dl, 6)
        let easting = falseEasting + iv * dl + v * pow(dl, 3) + vi * pow(dl, 5)
        return (easting, northing)
    }

    /// Easting and northing to radians on Airy 1830.
    static func unproject(easting: Double, northing: Double) -> (Double, Double) {
        let a = airy1830.a, e2 = airy1830.e2
        var phi = (northing - falseNorthing) / (a * scale) + originLatitude
        for _ in 0..<50 {
            let remainder = northing - falseNorthing - meridionalArc(phi)
            if abs(remainder) < 0.00001 { break }
            phi += remainder / (a * scale)
        }
        let sinPhi = sin(phi), cosPhi = cos(phi), tanPhi = tan(phi), secPhi = 1 / cosPhi
        let nu = a * scale / (1 - e2 * sinPhi * sinPhi).squareRoot()
        let rho = a * scale * (1 - e2) / pow(1 - e2 * sinPhi * sinPhi, 1.5)
        let eta2 = nu / rho - 1
        let t2 = tanPhi * tanPhi, t4 = t2 * t2, t6 = t4 * t2
        let vii = tanPhi / (2 * rho * nu)
        let viii = tanPhi / (24 * rho * pow(nu, 3)) * (5 + 3 * t2 + eta2 - 9 * t2 * eta2)
        let ix = tanPhi / (720 * rho * pow(nu, 5)) * (61 + 90 * t2 + 45 * t4)
        let x = secPhi / nu
        let xi = secPhi / (6 * pow(nu, 3)) * (nu / rho + 2 * t2)
        let xii = secPhi / (120 * pow(nu, 5)) * (5 + 28 * t2 + 24 * t4)
        let xiia = secPhi / (5040 * pow(nu, 7)) * (61 + 662 * t2 + 1320 * t4 + 720 * t6)
        let de = easting - falseEasting
        let latitude = phi - vii * de * de + viii * pow(de, 4) - ix * pow(de, 6)
        let longitude = originLongitude + x * de - xi * pow(de, 3) + xii * pow(de, 5) - xiia * pow(de, 7)
        return (latitude, longitude)
    }
}
