import Foundation
import Postgres
import Queue

/// What a SIGTERM to a worker must leave behind (DESIGN.md: stop claiming, finish what is executing,
/// release what was claimed but not started, exit 0), checked per job rather than by counts that
/// depend on when the scheduler started each claimed job.
public struct GracefulStopCheck: Sendable {
    public let client: PostgresClient
    /// PostgreSQL's clock just before the signal (`finished_at` is written with the same clock).
    public private(set) var signalledAt = ""
    /// The ids of the jobs `running` then, as a PostgreSQL array literal.
    public private(set) var runningAtSignal = "{}"

    public init(client: PostgresClient) {
        self.client = client
    }

    /// Waits until `count` jobs are `running` under claims at least `ageMs` old. The database shows a
    /// job `running` from its claim on, but a worker may still be reading that claim (then the job
    /// is released at the signal, not run); a claim that old has reached an executing slot.
    /// - Returns: whether that happened within `timeout`, and the last count seen.
    public func waitUntilExecuting(_ count: Int, ageMs: Int = 500, timeout: Duration = .seconds(60))
        async throws -> (reached: Bool, seen: Int)
    {
        let start = ContinuousClock.now
        var seen = 0
        repeat {
            let rows = try await client.query("""
                SELECT count(*) FROM switchyard.jobs
                WHERE state = 'running' AND attempted_at <= clock_timestamp() - $1::int * interval '1 millisecond'
                """, [ageMs])
            seen = Int(rows.first?[0] ?? "") ?? 0
            if seen >= count { return (true, seen) }
            try await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now - start < timeout
        return (false, seen)
    }

    /// Records the database's clock and the jobs running then; call right before sending the signal.
    public mutating func markSignal() async throws {
        let rows = try await client.query("""
            SELECT clock_timestamp()::text, coalesce(array_agg(id)::text, '{}') FROM switchyard.jobs WHERE state = 'running'
            """)
        signalledAt = rows.first?[0] ?? ""
        runningAtSignal = rows.first?[1] ?? "{}"
    }

    /// The jobs' ends after the workers exited.
    /// - Returns: the count per state, how many of the jobs running at the signal succeeded after it
    ///   (they were in flight), and how many queued jobs have used an attempt (a released claim must not).
    public func ends() async throws -> (states: [JobState: Int], finishedAfterSignal: Int, queuedWithAttemptUsed: Int) {
        let states = try await JobQueue(client: client).countByState()
        let rows = try await client.query("""
            SELECT count(*) FILTER (WHERE state = 'succeeded' AND finished_at > $1::timestamptz AND id = ANY($2::bigint[])),
                   count(*) FILTER (WHERE state = 'queued' AND attempt <> snoozes)
            FROM switchyard.jobs
            """, [signalledAt, runningAtSignal])
        return (states, Int(rows.first?[0] ?? "") ?? -1, Int(rows.first?[1] ?? "") ?? -1)
    }
}
