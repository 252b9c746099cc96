import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// `portal benchmark-places`: on an empty database only (it replaces the gazetteer), loads the
/// demo county's boundaries, N assets and M addresses spread over it, then prints how long the
/// place lookups take inside the server: the nearest asset within 30 m, the places holding a
/// point, and gazetteer searches by postcode and by words. `scripts/benchmark-places` runs it on
/// SQLite and on a throw-away PostgreSQL.
public struct PlacesBenchmarkCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Option(name: "assets", help: "how many assets (default 100,000)") var assets: Int?
        @Option(name: "addresses", help: "how many addresses (default 500,000)") var addresses: Int?
        public init() {}
    }

    public var help: String { "Times the place lookups on an empty database: portal benchmark-places [--assets N] [--addresses M]" }

    public init() {}

    static let words = ["Mill", "Church", "Station", "Brook", "Hollow", "Kings", "Orchard", "Quarry", "Chapel", "Green", "Forge", "Ridge",
                        "Pound", "Vicarage", "Meadow", "Salt", "Long", "Holly", "Marsh", "Top", "Barn", "Windmill", "Beck", "Rookery",
                        "Sandy", "Cross", "Tanners", "Causeway", "Elm", "Oak", "Ash", "Willow", "Heron", "Lark", "Fox", "Badger"]
    static let kinds = ["Lane", "Street", "Road", "Close", "Way", "Row", "Avenue", "Drive"]

    public func run(using context: CommandContext, signature: Signature) async throws {
        let assetCount = signature.assets ?? 100_000, addressCount = signature.addresses ?? 500_000
        guard (1...5_000_000).contains(assetCount), (1...5_000_000).contains(addressCount) else {
            throw ConfigurationError("--assets and --addresses must be from 1 to 5,000,000")
        }
        let app = context.application
        try await Startup.checkDatabase(app)
        try await app.autoMigrate()
        guard try await User.query(on: app.db).count() == 0 else {
            throw ConfigurationError("benchmark-places replaces the gazetteer, so it runs only on an empty database")
        }
        try await DemoCouncil.load(on: app.db, passwordHash: try await app.password.async.hash("demo"), withEnquiries: false, at: app.now)
        var random = SeededRandom(seed: 27700)
        func spot() -> GridPoint { DemoPlaces.grid(Double.random(in: 0.01...0.99, using: &random), Double.random(in: 0.01...0.99, using: &random)) }
        let loading = ContinuousClock.now
        let assets = (0..<assetCount).map { i in AssetImport.Asset(reference: "A\(i)", kind: "street light", label: "Street light A\(i)", point: spot()) }
        try await app.db.transaction { db in
            try await AssetImport.store(assets, layer: AssetImport.Layer(code: "street-lights", name: "Street lights", noun: "street light"), on: db)
        }
        let letters = Array("ABDEFGHJLNPQRSTUWXYZ")
        var postcodes: [String] = []
        let addresses = (0..<addressCount).map { i -> (uprn: String?, address: Gazetteer.Address) in
            let postcode = "BK\(i % 9 + 1)\(i / 9 % 10) \(i / 90 % 9 + 1)\(letters[i / 810 % 20])\(letters[i / 16_200 % 20])"
            if i % 997 == 0 { postcodes.append(postcode) }
            let street = "\(Self.words[Int.random(in: 0..<Self.words.count, using: &random)]) \(Self.kinds[Int.random(in: 0..<Self.kinds.count, using: &random)])"
            let town = Self.words[Int.random(in: 0..<Self.words.count, using: &random)] + "ton"
            return (String(100_000_000 + i), Gazetteer.Address(address: "\(i % 300 + 1) \(street), \(town)", postcode: postcode, point: spot()))
        }
        try await app.db.transaction { db in try await Gazetteer.store(addresses, on: db) }
        try await app.db.sql.raw("ANALYZE").run()
        context.console.print("\(app.db.sql.isPostgres ? "PostgreSQL" : "SQLite"): loaded \(assetCount.formatted()) assets and \(addressCount.formatted()) addresses in \(Int((ContinuousClock.now - loading).timeInterval)) s")

        func report(_ name: String, _ times: [Double]) { context.console.print(BenchmarkTimings.line(name, times)) }
        var found = 0
        var nearest: [Double] = []
        for _ in 0..<3_000 {
            let point = spot()
            nearest.append(try await BenchmarkTimings.time { if try await Places.nearestAsset(to: point, on: app.db) != nil { found += 1 } })
        }
        report("nearest asset within 30 m", nearest)
        context.console.print("  (an asset within 30 m for \(found) of 3,000 random points)")
        let index = try await Places.load(on: app.db)
        var located: [Double] = []
        for _ in 0..<20_000 {
            let point = spot()
            located.append(await BenchmarkTimings.time { _ = index.locate(point) })
        }
        report("district, division and parish of a point", located)
        var byPostcode: [Double] = [], byWords: [Double] = []
        for (i, postcode) in postcodes.prefix(400).enumerated() {
            let query = i % 2 == 0 ? postcode : String(postcode.prefix(4))
            byPostcode.append(try await BenchmarkTimings.time { _ = try await Gazetteer.search(query, on: app.db) })
        }
        for _ in 0..<400 {
            let one = Self.words[Int.random(in: 0..<Self.words.count, using: &random)]
            let two = Self.kinds[Int.random(in: 0..<Self.kinds.count, using: &random)]
            let query = Bool.random(using: &random) ? "\(Int.random(in: 1...300, using: &random)) \(one.lowercased()) \(two.prefix(3).lowercased())" : "\(one) \(two)"
            byWords.append(try await BenchmarkTimings.time { _ = try await Gazetteer.search(query, on: app.db) })
        }
        report("gazetteer search by postcode", byPostcode)
        report("gazetteer search by words", byWords)
    }
}
