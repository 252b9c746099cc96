import FluentKit
import SQLKit

/// Reads a model from an SQL row property by property, as Fluent would, but from a list written
/// out once instead of a reflection of the model on every read: on a page that reads one enquiry,
/// the reflection cost more than the query.
protocol Hydratable: Model {
    /// Every stored property of the model, in the model's order.
    var storedProperties: [any AnyDatabaseProperty] { get }
}

extension Hydratable {
    /// The columns `hydrate` reads, for a SELECT list.
    static var storedColumns: [String] { Self().storedProperties.flatMap(\.keys).map(\.description) }

    static func hydrate(_ row: any SQLRow) throws -> Self {
        let model = Self()
        let output = RowOutput(row: row)
        for property in model.storedProperties { try property.output(from: output) }
        return model
    }
}

/// An SQL row as Fluent's properties read their values.
private struct RowOutput: DatabaseOutput {
    let row: any SQLRow

    var description: String { "\(row)" }
    func schema(_ schema: String) -> any DatabaseOutput { self }
    /// Every column is there: `hydrate` reads rows selected with the model's whole list, and a
    /// column missing after all fails in `decode`. (Asking first cost a third of each read.)
    func contains(_ key: FieldKey) -> Bool { true }
    func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: key.description) }
    func decode<T: Decodable>(_ key: FieldKey, as type: T.Type) throws -> T { try row.decode(column: key.description, as: T.self) }
}

extension Enquiry: Hydratable {
    var storedProperties: [any AnyDatabaseProperty] {
        [$id, $reference, $member, $raisedBy, $channel, $serviceArea, $type, $subtype, $subject, $details,
         $residentName, $residentAddress, $residentPhone, $residentEmail, $location,
         $easting, $northing, $latitude, $longitude, $assetLayerID, $assetReference, $assetLabel, $urgency,
         $district, $division, $parish, $worksArea, $status, $handler, $awaitingReply, $reopenCount, $version,
         $submissionKey, $createdAt, $submittedAt, $completedAt, $closedAt, $lastActivityAt,
         $receivedOn, $firstResponseDue, $completionCountedFrom, $completionDue, $nextDue, $followUpUntil,
         $firstResponseAt, $firstResponseDays, $completionDays, $raiserFollows, $raisedMonth]
    }

    /// The SELECT list for `hydrate`, built once.
    static let selectList = SQLRaw(storedColumns.map { "enquiries.\($0)" }.joined(separator: ", "))
}

extension ResponderQuestion: Hydratable {
    var storedProperties: [any AnyDatabaseProperty] {
        [$id, $enquiry, $askedBy, $responder, $question, $askedAt, $state, $answer, $answeredAt, $withdrawnReason, $withdrawnAt]
    }

    static let selectList = SQLRaw(storedColumns.map { "responder_questions.\($0)" }.joined(separator: ", "))
}

extension Hydratable {
    /// The columns set since the model was read, as Fluent's `update` would write them, read from
    /// the same written-out list rather than a reflection of the model.
    func changedColumns() throws -> [(column: String, value: any SQLExpression)] {
        let input = ChangedInput()
        for property in storedProperties { property.input(to: input) }
        if let column = input.unsupported { throw AuditError("The column \(column) holds a kind of value only Fluent can write") }
        return input.values
    }
}

/// Collects what a model's properties would write.
private final class ChangedInput: DatabaseInput {
    var values: [(column: String, value: any SQLExpression)] = []
    var unsupported: String?

    func set(_ value: DatabaseQuery.Value, at key: FieldKey) {
        switch value {
        case .bind(let bound): values.append((key.description, SQLBind(bound)))
        case .null: values.append((key.description, SQLLiteral.null))
        case .enumCase(let name): values.append((key.description, SQLLiteral.string(name)))
        case .custom(let expression as any SQLExpression): values.append((key.description, expression))
        default: unsupported = key.description
        }
    }
}
