@testable import API
import Foundation
import Postgres
import Queue
import Testing
import TestSupport

/// `ChatAnswer.Reader`: concurrent reads share statements, each caller gets its own job (and only
/// its own client's), and the read stays a primary-key lookup once `jobs` has grown.
@Suite struct ChatAnswerReaderTests {
    @Test func concurrentReadersGetTheirOwnJobsAndNotOtherClients() async throws {
        let client = try await TestDatabase.sessionClient("ChatAnswerReaderTests")
        defer { client.shutdown() }
        let owners = try await client.query("""
            INSERT INTO switchyard.clients (name, key_sha256) VALUES ('a', repeat('a', 64)), ('b', repeat('b', 64)) RETURNING id
            """).compactMap { $0.int64("id") }
        try #require(owners.count == 2)
        var ids: [Int64] = []
        for index in 0..<60 {
            var job = NewJob(route: "r\(index)", request: #"{"model":"r","messages":[{"role":"user","content":"hi"}]}"#)
            job.clientID = owners[index % 2]
            ids.append(try await JobQueue(client: client).enqueue(job).id)
        }
        // Job 0 has two ledger rows: the newest one's provider is reported, and both are counted.
        try await client.query("""
            INSERT INTO switchyard.attempts (job_id, attempt, outcome, provider, model, latency_ms)
            VALUES ($1, 1, 'server_error', 'p-old', 'm', 5), ($1, 1, 'ok', 'p-new', 'm', 7)
            """, [ids[0]])
        let reader = ChatAnswer.Reader(client: client)
        let answers = try await withThrowingTaskGroup(of: (Int, ChatAnswer?, ChatAnswer?).self) { group in
            for (index, id) in ids.enumerated() {
                group.addTask {
                    let own = try await reader.read(id: id, clientID: owners[index % 2])
                    let other = try await reader.read(id: id, clientID: owners[(index + 1) % 2])
                    return (index, own, other)
                }
            }
            var answers: [Int: (ChatAnswer?, ChatAnswer?)] = [:]
            for try await (index, own, other) in group { answers[index] = (own, other) }
            return answers
        }
        #expect(answers.count == 60)
        for (index, (own, other)) in answers {
            #expect(own?.id == ids[index] && own?.route == "r\(index)" && own?.state == .queued)
            #expect(other == nil, "job \(index) was read by the other client")
        }
        #expect(answers[0]?.0?.provider == "p-new" && answers[0]?.0?.calls == 2)
        #expect(answers[1]?.0?.provider == nil && answers[1]?.0?.calls == 0)
        #expect(try await reader.read(id: 9_999_999, clientID: owners[0]) == nil)
    }

    @Test func aReadPreparedOnASmallTableReadsOnlyItsJobsOnceTheTableHasGrown() async throws {
        let client = try await TestDatabase.sessionClient("ChatAnswerReaderPlanTests")
        defer { client.shutdown() }
        let queue = JobQueue(client: client)
        let job = NewJob(route: "r", request: #"{"model":"r","messages":[{"role":"user","content":"hi"}]}"#)
        let early = try await queue.enqueue([NewJob](repeating: job, count: 10)).map(\.id)
        // Past the five custom plans while `jobs` holds ten rows.
        for round in 0..<10 { _ = try await client.query(ChatAnswer.sql, [[early[round], early[(round + 1) % 10]]]) }
        let late = try await queue.enqueue([NewJob](repeating: job, count: 5_000)).map(\.id)
        let before = try await ExplainPlan.rowsRead(of: "jobs", on: client)
        let rows = try await client.query(ChatAnswer.sql, [[late[4_000], early[3], late[17]]])
        #expect(rows.count == 3)
        let read = try await ExplainPlan.rowsRead(of: "jobs", on: client) - before
        #expect(read <= 10, "reading three jobs read \(read) rows of jobs")
    }
}
