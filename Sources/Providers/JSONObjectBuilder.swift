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
