/// Encodes every stored property by name, writing `null` for nil optionals instead of leaving the
/// key out (synthesized `Encodable` omits them), so API responses always carry every documented field.
public protocol NullPreservingEncodable: Encodable {}

/// Lets reflection tell a nil optional from a value.
private protocol OptionalValue {
    var isNil: Bool { get }
}

extension Optional: OptionalValue {
    var isNil: Bool { self == nil }
}

extension NullPreservingEncodable {
    public func encode(to encoder: any Encoder) throws {
        try encodeProperties(to: encoder)
    }

    /// Encodes the stored properties except `skipping` into a keyed container.
    package func encodeProperties(to encoder: any Encoder, skipping: Set<String> = []) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        for child in Mirror(reflecting: self).children {
            guard let label = child.label, !skipping.contains(label) else { continue }
            let key = AnyCodingKey(stringValue: label)
            if let optional = child.value as? any OptionalValue, optional.isNil {
                try container.encodeNil(forKey: key)
            } else if let value = child.value as? any Encodable {
                try container.encode(value, forKey: key)
            }
        }
    }
}
