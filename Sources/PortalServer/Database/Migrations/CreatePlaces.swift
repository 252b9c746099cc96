import Fluent
import SQLKit

/// Places on the map. The districts', divisions' and parishes' codes, populations and boundaries
/// (`boundaries`, one row for each place that has one, its area as grid coordinates in JSON and
/// its bounding box for a quick first test); the council's asset layers and assets (street
/// lights, grit bins, gullies...) indexed by layer and position so the nearest one to a click is
/// found without a scan; the address gazetteer with its postcode index and a word index (FTS5 on
/// SQLite, a `tsvector` under GIN on PostgreSQL); and on each enquiry its point (latitude and
/// longitude, easting and northing) and the asset it is about.
struct CreatePlaces: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql
        // SQLite adds one column a statement.
        for table in ["districts", "divisions", "parishes"] {
            try await database.schema(table).field("code", .string).update()
            try await database.schema(table).field("population", .int).update()
        }
        try await database.schema("boundaries")
            .field("place_id", .uuid, .identifier(auto: false))
            .field("kind", .string, .required)
            .field("shape", .string, .required)
            .field("min_easting", .double, .required)
            .field("min_northing", .double, .required)
            .field("max_easting", .double, .required)
            .field("max_northing", .double, .required)
            .create()
        try await database.schema("asset_layers")
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("noun", .string, .required)
            .unique(on: "code")
            .create()
        try await database.schema("assets")
            .id()
            .field("layer_id", .uuid, .required, .references("asset_layers", "id"))
            .field("reference", .string, .required)
            .field("kind", .string, .required)
            .field("label", .string, .required)
            .field("easting", .double, .required)
            .field("northing", .double, .required)
            .field("latitude", .double, .required)
            .field("longitude", .double, .required)
            .unique(on: "layer_id", "reference")
            .create()
        try await database.createIndex("assets_position", on: "assets", "layer_id", "easting", "northing")
        if sql.isPostgres {
            try await sql.raw("""
                CREATE TABLE gazetteer (
                    "row" BIGSERIAL PRIMARY KEY, uprn TEXT, address TEXT NOT NULL, postcode TEXT NOT NULL,
                    postcode_key TEXT NOT NULL, easting DOUBLE PRECISION NOT NULL, northing DOUBLE PRECISION NOT NULL,
                    latitude DOUBLE PRECISION NOT NULL, longitude DOUBLE PRECISION NOT NULL, words tsvector NOT NULL)
                """).run()
            try await sql.raw("CREATE INDEX gazetteer_words ON gazetteer USING GIN (words)").run()
        } else {
            try await sql.raw("""
                CREATE TABLE gazetteer (
                    "row" INTEGER PRIMARY KEY, uprn TEXT, address TEXT NOT NULL, postcode TEXT NOT NULL,
                    postcode_key TEXT NOT NULL, easting REAL NOT NULL, northing REAL NOT NULL,
                    latitude REAL NOT NULL, longitude REAL NOT NULL)
                """).run()
            try await sql.raw("""
                CREATE VIRTUAL TABLE gazetteer_fts USING fts5(address, postcode, content='gazetteer', content_rowid='row', tokenize='unicode61')
                """).run()
        }
        try await database.createIndex("gazetteer_postcode", on: "gazetteer", "postcode_key")
        for (column, type) in [("latitude", DatabaseSchema.DataType.double), ("longitude", .double), ("easting", .double), ("northing", .double),
                               ("asset_layer_id", .uuid), ("asset_reference", .string), ("asset_label", .string)] {
            try await database.schema("enquiries").field(.string(column), type).update()
        }
        try await database.createIndex("enquiries_position", on: "enquiries", "easting", "northing")
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX enquiries_position").run()
        for column in ["latitude", "longitude", "easting", "northing", "asset_layer_id", "asset_reference", "asset_label"] {
            try await database.schema("enquiries").deleteField(.string(column)).update()
        }
        if !database.sql.isPostgres { try await database.sql.raw("DROP TABLE gazetteer_fts").run() }
        try await database.schema("gazetteer").delete()
        try await database.schema("assets").delete()
        try await database.schema("asset_layers").delete()
        try await database.schema("boundaries").delete()
        for table in ["districts", "divisions", "parishes"] {
            try await database.schema(table).deleteField("code").update()
            try await database.schema(table).deleteField("population").update()
        }
    }
}
