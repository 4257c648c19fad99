import Foundation

/// A worker pool file (`workers/pool.json`): groups of `switchyard worker` processes that
/// `switchyard pool` (and `switchyard up`) start and supervise.
///
/// ```json
/// {"version": 1,
///  "groups": [{"name": "llm", "executor": "llm", "count": 2, "concurrency": 64, "queues": ["default"],
///              "environment": {"SWITCHYARD_LOG": "info"}, "grace_ms": 10000}],
///  "restart": {"initial_backoff_ms": 500, "max_backoff_ms": 30000, "reset_after_ms": 60000},
///  "stop_timeout_ms": 30000}
/// ```
/// Each group runs `count` processes per queue. Parse with ``parse(_:)`` / ``load(path:)``: every
/// problem is reported with its JSON path.
public struct PoolDefinition: Sendable, Equatable {
    /// Workers alike: same executor, concurrency and settings.
    public struct Group: Sendable, Equatable {
        public var name: String
        /// `llm`, `echo` or `noop` (`switchyard worker --executor`).
        public var executor: String
        /// Processes per queue.
        public var count: Int
        /// Jobs each process holds at once.
        public var concurrency: Int
        public var queues: [String]
        /// Added to the pool's own environment for these processes.
        public var environment: [String: String]
        /// Worker options in milliseconds (nil: the worker's default), and `--drain`.
        public var leaseMs: Int?
        public var heartbeatMs: Int?
        public var pollMs: Int?
        public var rescueMs: Int?
        public var graceMs: Int?
        public var backoffMs: Int?
        public var maxClaim: Int?
        public var executorDelayMs: Int?
        public var drain: Bool

        public init(
            name: String, executor: String = "llm", count: Int = 1, concurrency: Int = 100, queues: [String] = ["default"],
            environment: [String: String] = [:], drain: Bool = false
        ) {
            self.name = name
            self.executor = executor
            self.count = count
            self.concurrency = concurrency
            self.queues = queues
            self.environment = environment
            self.drain = drain
        }

        /// The `switchyard worker` arguments of this group's processes for `queue`.
        public func workerArguments(queue: String) -> [String] {
            var arguments = ["worker", "--executor", executor, "--concurrency", String(concurrency), "--queue", queue]
            let options: [(String, Int?)] = [
                ("--lease-ms", leaseMs), ("--heartbeat-ms", heartbeatMs), ("--poll-ms", pollMs), ("--rescue-ms", rescueMs),
                ("--grace-ms", graceMs), ("--backoff-ms", backoffMs), ("--max-claim", maxClaim),
                ("--executor-delay-ms", executorDelayMs),
            ]
            for case let (option, value?) in options { arguments += [option, String(value)] }
            if drain { arguments.append("--drain") }
            return arguments
        }
    }

    public static let executors = ["llm", "echo", "noop"]
    /// The most processes one pool file may ask for.
    public static let maxProcesses = 1_024
    /// Pool files are small; anything larger is a mistake.
    public static let maxFileBytes = 1 << 20

    public var groups: [Group]
    public var restart: RestartPolicy
    /// After SIGTERM, how long workers may drain before they are killed.
    public var stopTimeoutMs: Int

    public init(groups: [Group], restart: RestartPolicy = RestartPolicy(), stopTimeoutMs: Int = 30_000) {
        self.groups = groups
        self.restart = restart
        self.stopTimeoutMs = stopTimeoutMs
    }

    /// Reads and validates a pool file.
    /// - Throws: ``PoolDefinitionError`` naming the file and every problem's JSON path.
    public static func load(path: String) throws(PoolDefinitionError) -> PoolDefinition {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? Int, let data = FileManager.default.contents(atPath: path)
        else {
            throw PoolDefinitionError(file: path, issues: [.init(path: "(root)", message: "cannot read the file")])
        }
        guard size <= maxFileBytes else {
            throw PoolDefinitionError(
                file: path, issues: [.init(path: "(root)", message: "the file is \(size) bytes; at most \(maxFileBytes) expected")])
        }
        do {
            return try parse(Array(data))
        } catch {
            throw PoolDefinitionError(file: path, issues: error.issues)
        }
    }

    /// One supervised `switchyard worker` process per group, queue and index, named `GROUP-N`
    /// (`GROUP-QUEUE-N` when the group has several queues).
    /// Each worker gets SIGTERM (and drains) if the supervisor dies without stopping it.
    /// - Parameters:
    ///   - environment: the environment every process starts from (the pool's own).
    ///   - logDirectory: when set, each process appends its output to `NAME.log` there.
    public func processes(
        environment: [String: String], logDirectory: String? = nil
    ) -> [SupervisedProcess] {
        var processes: [SupervisedProcess] = []
        for group in groups {
            for queue in group.queues {
                for index in 1...group.count {
                    let name = group.queues.count == 1 ? "\(group.name)-\(index)" : "\(group.name)-\(queue)-\(index)"
                    let options = Subprocess.Options.switchyard(
                        group.workerArguments(queue: queue), environment: environment.merging(group.environment) { _, new in new },
                        parentDeathSignal: "TERM", outputPath: logDirectory.map { "\($0)/\(name).log" })
                    processes.append(SupervisedProcess(name: name, options: options))
                }
            }
        }
        return processes
    }
}
