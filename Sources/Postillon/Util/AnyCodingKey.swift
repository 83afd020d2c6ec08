import PostillonHTTP
/// A coding key that accepts any name, used to list every key of a JSON object.
struct AnyCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    init?(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Checks the keys of the object being decoded against its documented fields.
    ///
    /// Throws ``JSONBodyError/unknownField(_:)`` for a key outside `known`, and
    /// ``JSONBodyError/invalidField(_:)`` (422 `validation_failed`) for a JSON `null` under a key
    /// outside `nullable`: the API's request schemas say which fields may be null (only an
    /// address's `name`), so any other null is refused instead of being read as "left out".
    /// The accounts file, which is configuration rather than API input, passes all its keys as
    /// `nullable`.
    func rejectUnknownKeys(_ known: Set<String>, nullable: Set<String> = []) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys {
            guard known.contains(key.stringValue) else { throw JSONBodyError.unknownField(JSONBody.path(codingPath + [key])) }
            if !nullable.contains(key.stringValue), try container.decodeNil(forKey: key) {
                throw JSONBodyError.invalidField("Field '\(JSONBody.path(codingPath + [key]))' must not be null; leave it out instead.")
            }
        }
    }
}
