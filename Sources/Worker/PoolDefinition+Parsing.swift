import Gateway
import Providers

extension PoolDefinition {
    /// Parses and validates pool file JSON.
    /// - Throws: ``PoolDefinitionError`` listing every problem with its JSON path; nothing partial is returned.
    public static func parse(_ bytes: [UInt8]) throws(PoolDefinitionError) -> PoolDefinition {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            let line = 1 + bytes.prefix(error.offset).lazy.filter { $0 == UInt8(ascii: "\n") }.count
            throw PoolDefinitionError(issues: [
                .init(path: "(root)", message: "invalid JSON at line \(line) (byte \(error.offset)): \(error.message)")
            ])
        }
        let reader = ConfigReader()
        let definition = read(document, reader)
        if let definition, reader.issues.isEmpty { return definition }
        throw PoolDefinitionError(issues: reader.issues)
    }

    private static func read(_ document: JSONValue, _ reader: ConfigReader) -> PoolDefinition? {
        guard let members = reader.object(document, at: "", allowed: ["version", "groups", "restart", "stop_timeout_ms"])
        else { return nil }
        if let version = reader.int(members, "version", at: ""), version != 1 {
            reader.report("version", "expected 1, found \(version)")
        }
        var groups: [Group] = []
        if let items = reader.array(members, "groups", at: "", required: true) {
            if items.isEmpty { reader.report("groups", "expected at least one group") }
            var names: Set<String> = []
            for (index, item) in items.enumerated() {
                let path = ConfigReader.join("groups", index)
                guard let group = readGroup(item, at: path, reader) else { continue }
                if !names.insert(group.name).inserted {
                    reader.report(ConfigReader.join(path, "name"), "duplicate group name \"\(group.name)\"")
                }
                groups.append(group)
            }
            let total = groups.reduce(0) { $0 + $1.count * $1.queues.count }
            if total > maxProcesses {
                reader.report("groups", "asks for \(total) processes; at most \(maxProcesses) expected")
            }
        }
        var restart = RestartPolicy()
        if let value = reader.member(members, "restart", at: "", required: false),
            let fields = reader.object(value, at: "restart", allowed: ["initial_backoff_ms", "max_backoff_ms", "reset_after_ms"])
        {
            let initial = int(fields, "initial_backoff_ms", at: "restart", 1...3_600_000, reader) ?? restart.initialBackoffMs
            let maximum = int(fields, "max_backoff_ms", at: "restart", 1...86_400_000, reader) ?? max(restart.maxBackoffMs, initial)
            if maximum < initial {
                reader.report("restart.max_backoff_ms", "expected at least initial_backoff_ms (\(initial)), found \(maximum)")
            }
            let reset = int(fields, "reset_after_ms", at: "restart", 0...86_400_000, reader) ?? restart.resetAfterMs
            restart = RestartPolicy(initialBackoffMs: initial, maxBackoffMs: maximum, resetAfterMs: reset)
        }
        let longestGrace = groups.compactMap(\.graceMs).max() ?? 10_000
        let stopTimeoutMs = int(members, "stop_timeout_ms", at: "", 1...86_400_000, reader) ?? max(30_000, longestGrace + 10_000)
        if stopTimeoutMs <= longestGrace {
            reader.report("stop_timeout_ms", "expected more than the longest grace_ms (\(longestGrace)), found \(stopTimeoutMs): workers would be killed before they drain")
        }
        return PoolDefinition(groups: groups, restart: restart, stopTimeoutMs: stopTimeoutMs)
    }

    private static let groupKeys = [
        "name", "executor", "count", "concurrency", "queues", "environment", "lease_ms", "heartbeat_ms", "poll_ms",
        "rescue_ms", "grace_ms", "backoff_ms", "max_claim", "executor_delay_ms", "drain",
    ]

    private static func readGroup(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> Group? {
        guard let members = reader.object(value, at: path, allowed: groupKeys) else { return nil }
        let name = reader.string(members, "name", at: path, required: true)
        if let name, !isSafeName(name, maxLength: 40) {
            reader.report(ConfigReader.join(path, "name"), "expected 1-40 letters, digits, '-' or '_' (it names processes and log files), found \"\(name)\"")
        }
        var group = Group(name: name ?? "")
        if let executor = reader.string(members, "executor", at: path) {
            if executors.contains(executor) {
                group.executor = executor
            } else {
                reader.report(ConfigReader.join(path, "executor"), "expected one of \(executors.joined(separator: ", ")), found \"\(executor)\"")
            }
        }
        group.count = int(members, "count", at: path, 1...256, reader) ?? 1
        group.concurrency = int(members, "concurrency", at: path, 1...100_000, reader) ?? 100
        if let items = reader.array(members, "queues", at: path) {
            let queuesPath = ConfigReader.join(path, "queues")
            if items.isEmpty { reader.report(queuesPath, "expected at least one queue name") }
            var queues: [String] = []
            for (index, item) in items.enumerated() {
                let itemPath = ConfigReader.join(queuesPath, index)
                guard case .string(let queue) = item, isSafeName(queue, maxLength: 100, extra: ".:") else {
                    reader.report(itemPath, "expected a queue name of 1-100 letters, digits, '-', '_', '.' or ':', found \(item.canonicalText)")
                    continue
                }
                if queues.contains(queue) { reader.report(itemPath, "duplicate queue \"\(queue)\"") }
                queues.append(queue)
            }
            if !queues.isEmpty { group.queues = queues }
        }
        if let value = reader.member(members, "environment", at: path, required: false) {
            group.environment = readEnvironment(value, at: ConfigReader.join(path, "environment"), reader)
        }
        group.leaseMs = int(members, "lease_ms", at: path, 10...86_400_000, reader)
        group.heartbeatMs = int(members, "heartbeat_ms", at: path, 1...86_400_000, reader)
        if let heartbeat = group.heartbeatMs, heartbeat >= (group.leaseMs ?? 30_000) {
            let lease = group.leaseMs ?? 30_000
            reader.report(ConfigReader.join(path, "heartbeat_ms"), "expected less than lease_ms (\(lease)), found \(heartbeat)")
        }
        group.pollMs = int(members, "poll_ms", at: path, 1...1_000, reader)
        group.rescueMs = int(members, "rescue_ms", at: path, 1...86_400_000, reader)
        group.graceMs = int(members, "grace_ms", at: path, 0...86_400_000, reader)
        group.backoffMs = int(members, "backoff_ms", at: path, 0...3_600_000, reader)
        group.maxClaim = int(members, "max_claim", at: path, 1...100_000, reader)
        group.executorDelayMs = int(members, "executor_delay_ms", at: path, 0...3_600_000, reader)
        group.drain = reader.bool(members, "drain", at: path) ?? false
        return group
    }

    private static func readEnvironment(_ value: JSONValue, at path: String, _ reader: ConfigReader) -> [String: String] {
        guard case .object(let members) = value else {
            reader.report(path, "expected an object of variable name to string value, found \(value.kindDescription)")
            return [:]
        }
        var environment: [String: String] = [:]
        for (name, item) in members.sorted(by: { $0.key < $1.key }) {
            let itemPath = ConfigReader.join(path, name)
            guard isSafeName(name, maxLength: 200, allowDash: false), let first = name.unicodeScalars.first,
                !(first >= "0" && first <= "9")
            else {
                reader.report(itemPath, "expected a variable name of letters, digits and '_', not starting with a digit")
                continue
            }
            if name.uppercased().hasSuffix("_API_KEY") {
                reader.report(itemPath, "provider keys do not belong in a pool file: set them in the pool process's environment (e.g. a systemd EnvironmentFile); workers inherit it")
                continue
            }
            guard case .string(let text) = item else {
                reader.report(itemPath, "expected a string, found \(item.kindDescription)")
                continue
            }
            guard text.utf8.count <= 4_096 else {
                reader.report(itemPath, "expected at most 4096 bytes, found \(text.utf8.count)")
                continue
            }
            environment[name] = text
        }
        return environment
    }

    /// An optional integer member within `range`, reporting anything else at its path.
    private static func int(
        _ members: [String: JSONValue], _ key: String, at path: String, _ range: ClosedRange<Int>, _ reader: ConfigReader
    ) -> Int? {
        guard let value = reader.member(members, key, at: path, required: false) else { return nil }
        guard let number = value.intValue, range.contains(number) else {
            reader.report(ConfigReader.join(path, key), "expected an integer in \(range.lowerBound)...\(range.upperBound), found \(value.canonicalText)")
            return nil
        }
        return number
    }

    /// Letters, digits, `_`, `-` (unless `allowDash` is false) and `extra`, 1 to `maxLength` bytes.
    private static func isSafeName(_ text: String, maxLength: Int, extra: String = "", allowDash: Bool = true) -> Bool {
        guard !text.isEmpty, text.utf8.count <= maxLength else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "_" || (allowDash && scalar == "-") || extra.unicodeScalars.contains(scalar)
        }
    }
}
