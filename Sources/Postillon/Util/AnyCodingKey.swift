import PostillonHTTP
/// A coding key that accepts any name, used to list every key of a JSON object.
struct AnyCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    init?(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Throws ``JSONBodyError/unknownField(_:)`` if the object being decoded has a key outside `known`.
    func rejectUnknownKeys(_ known: Set<String>) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw JSONBodyError.unknownField(JSONBody.path(codingPath + [key]))
        }
    }
}
