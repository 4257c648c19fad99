/// A canonical type read from a `JSONValue`, with its field paths in `ValidationError`s.
public protocol JSONReadable {
    init(json: JSONValue) throws(ValidationError)
}

extension JSONReadable {
    /// Parses and reads a UTF-8 JSON body; malformed JSON is a `ValidationError` with an empty field.
    public init(jsonBytes: some Collection<UInt8>) throws(ValidationError) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(jsonBytes)
        } catch {
            throw ValidationError(field: "", message: error.description)
        }
        try self.init(json: value)
    }
}
