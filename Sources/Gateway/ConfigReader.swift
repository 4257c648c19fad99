import Foundation
import Providers

/// Walks a parsed config document, reading typed fields and collecting every problem with its
/// JSON path instead of stopping at the first. Used by ``GatewayConfig/parse(_:)``.
///
/// Reads report a problem and return nil, so the caller carries on and later issues are found too.
/// Keys starting with `_` are comments and ignored. Public so other JSON files of the project (worker
/// pool files) report problems the same way.
public final class ConfigReader {
    public private(set) var issues: [GatewayConfigError.Issue] = []
    /// Names of every provider / deployment entry, valid or not: a reference to an entry that has
    /// problems of its own is not reported again as unknown.
    var declaredProviders: Set<String> = []
    var declaredDeployments: Set<String> = []

    /// The `name` strings of the entries of an array member, without reporting anything.
    public init() {}

    static func declaredNames(_ members: [String: JSONValue], _ key: String) -> Set<String> {
        Set((members[key]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
    }

    public func report(_ path: String, _ message: String) {
        issues.append(GatewayConfigError.Issue(path: path.isEmpty ? "(root)" : path, message: message))
    }

    public static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    public static func join(_ path: String, _ index: Int) -> String {
        "\(path)[\(index)]"
    }

    /// The members of an object, reporting a non-object and any key not in `allowed`.
    public func object(_ value: JSONValue, at path: String, allowed: [String]) -> [String: JSONValue]? {
        guard case .object(let members) = value else {
            report(path, "expected an object, found \(value.kindDescription)")
            return nil
        }
        for key in members.keys.sorted() where !key.hasPrefix("_") && !allowed.contains(key) {
            report(Self.join(path, key), "unknown key; expected one of \(allowed.joined(separator: ", "))")
        }
        return members
    }

    /// A required or optional member; reports a missing required one.
    public func member(_ members: [String: JSONValue], _ key: String, at path: String, required: Bool) -> JSONValue? {
        guard let value = members[key], value != .null else {
            if required { report(Self.join(path, key), "required, but missing") }
            return nil
        }
        return value
    }

    public func string(
        _ members: [String: JSONValue], _ key: String, at path: String, required: Bool = false, nonEmpty: Bool = true
    ) -> String? {
        guard let value = member(members, key, at: path, required: required) else { return nil }
        guard case .string(let s) = value else {
            report(Self.join(path, key), "expected a string, found \(value.kindDescription)")
            return nil
        }
        if nonEmpty, s.trimmingCharacters(in: .whitespaces).isEmpty {
            report(Self.join(path, key), "expected a non-empty string")
            return nil
        }
        return s
    }

    public func int(
        _ members: [String: JSONValue], _ key: String, at path: String, required: Bool = false, minimum: Int? = nil
    ) -> Int? {
        guard let value = member(members, key, at: path, required: required) else { return nil }
        guard let i = value.intValue else {
            report(Self.join(path, key), "expected an integer, found \(value.kindDescription)")
            return nil
        }
        if let minimum, i < minimum {
            report(Self.join(path, key), "expected an integer ≥ \(minimum), found \(i)")
            return nil
        }
        return i
    }

    public func double(
        _ members: [String: JSONValue], _ key: String, at path: String, required: Bool = false,
        range: ClosedRange<Double>? = nil, rangeText: String? = nil
    ) -> Double? {
        guard let value = member(members, key, at: path, required: required) else { return nil }
        guard let d = value.doubleValue else {
            report(Self.join(path, key), "expected a number, found \(value.kindDescription)")
            return nil
        }
        if let range, !range.contains(d) {
            report(Self.join(path, key), "expected a number \(rangeText ?? "in \(range)"), found \(value.canonicalText)")
            return nil
        }
        return d
    }

    public func bool(_ members: [String: JSONValue], _ key: String, at path: String) -> Bool? {
        guard let value = member(members, key, at: path, required: false) else { return nil }
        guard case .bool(let b) = value else {
            report(Self.join(path, key), "expected true or false, found \(value.kindDescription)")
            return nil
        }
        return b
    }

    public func array(_ members: [String: JSONValue], _ key: String, at path: String, required: Bool = false) -> [JSONValue]? {
        guard let value = member(members, key, at: path, required: required) else { return nil }
        guard case .array(let items) = value else {
            report(Self.join(path, key), "expected an array, found \(value.kindDescription)")
            return nil
        }
        return items
    }

    /// A string member that must be one of an enumeration's raw values.
    public func enumeration<E: RawRepresentable & CaseIterable>(
        _ members: [String: JSONValue], _ key: String, at path: String, required: Bool = false, as type: E.Type
    ) -> E? where E.RawValue == String {
        let expected = E.allCases.map(\.rawValue).joined(separator: ", ")
        guard let value = member(members, key, at: path, required: false) else {
            if required { report(Self.join(path, key), "missing; expected one of \(expected)") }
            return nil
        }
        guard case .string(let s) = value, let parsed = E(rawValue: s) else {
            report(Self.join(path, key), "expected one of \(expected), found \(value.canonicalText)")
            return nil
        }
        return parsed
    }
}
