/// A chat request that is malformed or out of range. `field` is a path into the request body such as
/// `messages[2].role`, so an API can answer with the OpenAI error shape and `param` set to it.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// `messages[2].role: expected one of system, user, assistant, tool, developer`
    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

/// Reads typed members out of a JSON object and reports mistakes with the member's full path.
struct JSONFieldReader {
    let path: String
    let members: [String: JSONValue]

    init(_ value: JSONValue, path: String) throws(ValidationError) {
        guard case .object(let members) = value else {
            throw ValidationError(field: path, message: "expected an object, got \(value.typeName)")
        }
        self.path = path
        self.members = members
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The member, or nil when absent or JSON null.
    func value(_ key: String) -> JSONValue? {
        guard let v = members[key], !v.isNull else { return nil }
        return v
    }

    func string(_ key: String) throws(ValidationError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw typeError(key, "a string", v) }
        return s
    }

    func requiredString(_ key: String) throws(ValidationError) -> String {
        guard let s = try string(key) else { throw ValidationError(field: fieldPath(key), message: "is required") }
        return s
    }

    func double(_ key: String) throws(ValidationError) -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.doubleValue else { throw typeError(key, "a number", v) }
        return d
    }

    func int(_ key: String) throws(ValidationError) -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.intValue else { throw typeError(key, "an integer", v) }
        return i
    }

    func bool(_ key: String) throws(ValidationError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else { throw typeError(key, "a boolean", v) }
        return b
    }

    func array(_ key: String) throws(ValidationError) -> [JSONValue]? {
        guard let v = value(key) else { return nil }
        guard case .array(let a) = v else { throw typeError(key, "an array", v) }
        return a
    }

    func object(_ key: String) throws(ValidationError) -> [String: JSONValue]? {
        guard let v = value(key) else { return nil }
        guard case .object(let o) = v else { throw typeError(key, "an object", v) }
        return o
    }

    func typeError(_ key: String, _ expected: String, _ got: JSONValue) -> ValidationError {
        ValidationError(field: fieldPath(key), message: "expected \(expected), got \(got.typeName)")
    }
}

/// Builds a JSON object while skipping nil members.
struct JSONObjectBuilder {
    var members: [String: JSONValue] = [:]

    init(capacity: Int = 8) { members.reserveCapacity(capacity) }

    mutating func set(_ key: String, _ value: JSONValue?) {
        if let value { members[key] = value }
    }
    mutating func set(_ key: String, _ value: String?) {
        if let value { members[key] = .string(value) }
    }
    mutating func set(_ key: String, _ value: Int?) {
        if let value { members[key] = .int(value) }
    }
    mutating func set(_ key: String, _ value: Double?) {
        if let value { members[key] = .double(value) }
    }
    mutating func set(_ key: String, _ value: Bool?) {
        if let value { members[key] = .bool(value) }
    }

    var value: JSONValue { .object(members) }
}
