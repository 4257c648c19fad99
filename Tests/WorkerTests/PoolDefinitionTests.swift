import Foundation
import Testing
import TestSupport
@testable import Worker

@Suite struct PoolDefinitionTests {
    @Test(arguments: ["workers/pool.json", "workers/high-concurrency.json"])
    func theShippedPoolFilesAreValid(path: String) throws {
        let definition = try PoolDefinition.load(path: TestDatabase.repositoryRoot.appendingPathComponent(path).path)
        #expect(!definition.groups.isEmpty)
        #expect(definition.groups.allSatisfy { $0.executor == "llm" })
    }

    @Test func eachGroupRunsCountProcessesPerQueueWithItsSettings() throws {
        let definition = try PoolDefinition.parse(Array("""
            {"version": 1, "groups": [
              {"name": "fast", "count": 2, "concurrency": 50},
              {"name": "bulk", "executor": "echo", "queues": ["bulk", "batch"], "grace_ms": 20000, "lease_ms": 60000,
               "heartbeat_ms": 15000, "drain": true, "environment": {"MALLOC_ARENA_MAX": "2"}}],
             "restart": {"initial_backoff_ms": 250}}
            """.utf8))
        #expect(definition.restart == RestartPolicy(initialBackoffMs: 250, maxBackoffMs: 30_000, resetAfterMs: 60_000))
        #expect(definition.stopTimeoutMs == 30_000)
        let processes = definition.processes(environment: ["SWITCHYARD_DATABASE_URL": "postgresql://db/x"], logDirectory: "/logs")
        #expect(processes.map(\.name) == ["fast-1", "fast-2", "bulk-bulk-1", "bulk-batch-1"])
        #expect(processes[0].options.arguments == ["worker", "--executor", "llm", "--concurrency", "50", "--queue", "default"])
        #expect(processes[3].options.arguments == [
            "worker", "--executor", "echo", "--concurrency", "100", "--queue", "batch", "--lease-ms", "60000",
            "--heartbeat-ms", "15000", "--grace-ms", "20000", "--drain",
        ])
        #expect(processes[3].options.outputPath == "/logs/bulk-batch-1.log")
        #expect(processes[3].options.environment["MALLOC_ARENA_MAX"] == "2")
        #expect(processes[0].options.environment["MALLOC_ARENA_MAX"] == nil)
        #expect(processes.allSatisfy { $0.options.environment["SWITCHYARD_DATABASE_URL"] == "postgresql://db/x" })
        #expect(processes.allSatisfy { $0.options.environment["SWITCHYARD_PARENT_DEATH_SIGNAL"] == "TERM" })
    }

    /// Every problem of a file is reported at once, each at its path.
    @Test func everyProblemIsReportedWithItsPath() {
        #expect {
            try PoolDefinition.parse(Array("""
                {"version": 2, "groups": [{"name": "", "count": "two", "concurrency": 0, "heartbeat_ms": 40000,
                 "environment": {"A B": "x"}}], "restart": {"initial_backoff_ms": 500, "max_backoff_ms": 100}}
                """.utf8))
        } throws: { error in
            let paths = (error as? PoolDefinitionError)?.issues.map(\.path) ?? []
            return paths == [
                "version", "groups[0].name", "groups[0].count", "groups[0].concurrency", "groups[0].environment.A B",
                "groups[0].heartbeat_ms", "restart.max_backoff_ms",
            ]
        }
    }

    @Test func aFileTooLargeOrMissingIsRefusedByName() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sy-pool-\(UUID().uuidString).json").path
        try String(repeating: " ", count: PoolDefinition.maxFileBytes + 1).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: PoolDefinitionError.self) { try PoolDefinition.load(path: path) }
        do {
            _ = try PoolDefinition.load(path: path)
        } catch {
            #expect(error.description.hasPrefix("\(path): (root): the file is"))
        }
        #expect((try? PoolDefinition.load(path: path + ".missing")) == nil)
    }
}
