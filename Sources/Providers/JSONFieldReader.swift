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
