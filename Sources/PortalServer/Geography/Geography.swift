import Fluent
import Foundation

/// A district (or borough) of the county: the level most reports are broken down by.
final class District: Model, @unchecked Sendable {
    static let schema = "districts"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String

    init() {}
    init(id: UUID? = nil, name: String) {
        self.id = id
        self.name = name
    }
}

/// An electoral division: the area one county Member is elected for.
final class Division: Model, @unchecked Sendable {
    static let schema = "divisions"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Parent(key: "district_id") var district: District

    init() {}
    init(id: UUID? = nil, name: String, districtID: UUID) {
        self.id = id
        self.name = name
        self.$district.id = districtID
    }
}

/// A civil parish (or town council area), the smallest unit Members meet about.
final class Parish: Model, @unchecked Sendable {
    static let schema = "parishes"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Parent(key: "district_id") var district: District
    /// The division that holds most of the parish; a few parishes straddle two.
    @OptionalParent(key: "division_id") var division: Division?

    init() {}
    init(id: UUID? = nil, name: String, districtID: UUID, divisionID: UUID?) {
        self.id = id
        self.name = name
        self.$district.id = districtID
        self.$division.id = divisionID
    }
}
