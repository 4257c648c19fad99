import API
import Foundation
import Postgres
import Providers
import Queue

/// `switchyard up --demo`: the scenario of seed 000 (a document-processing company behind one
/// gateway) walked end to end on the running stack, non-interactively.
///
/// 1. 50/50 weighted balancing between gpt-4o and gpt-4o-mini over the sample documents (a docs batch, with its results);
/// 2. the same documents again, answered from the cache;
/// 3. an outage of gpt-4o (the mock provider's switch): failover in the routing trace, the ledger and the worker logs;
/// 4. analytics from the `analytics` views: distribution, tokens, latency, cost and savings, cache hit rate;
/// 5. complexity routing through `auto`, with the classifier's reasoning;
/// 6. an OpenAI-style HTTP call with the `x-switchyard-*` headers.
///
/// Each step says what it did as ``DemoEvent``s, including the commands and SQL to do it by hand.
public struct DemoScenario: Sendable {
    let info: LocalStackInfo
    let client: PostgresClient
    let listenerConfiguration: PostgresConfiguration
    let documentsFolder: String
    let http: UpstreamClient
    let emit: @Sendable (DemoEvent) -> Void
    var queue: JobQueue { JobQueue(client: client) }

    /// The route of the balancing and failover steps (examples/switchyard.json: gpt-4o 50 / gpt-4o-mini 50).
    static let balancedRoute = "chat"
    /// How long any step waits for its jobs.
    static let jobTimeoutMs = 180_000

    /// Runs every step.
    /// - Parameters:
    ///   - databaseURL: the stack's database (the real URL; `info` shows it redacted).
    ///   - documentsFolder: the sample documents (`examples/docs`).
    /// - Throws: ``LocalStackError`` when a step cannot do its part (jobs not finishing, the API not answering).
    public static func run(
        info: LocalStackInfo, databaseURL: String, documentsFolder: String, emit: @escaping @Sendable (DemoEvent) -> Void
    ) async throws {
        guard info.mockURL != nil else {
            throw LocalStackError("the demo switches outages on the mock providers: run it without provider keys (or with --providers mock)")
        }
        let configuration = PostgresConfiguration(url: databaseURL)
        let client = PostgresClient(configuration: configuration, maxConnections: 3)
        let http = UpstreamClient()
        defer { client.shutdown() }
        let scenario = DemoScenario(
            info: info, client: client, listenerConfiguration: configuration, documentsFolder: documentsFolder, http: http, emit: emit)
        do {
            try await scenario.runSteps()
        } catch {
            await http.shutdown()
            throw error
        }
        await http.shutdown()
    }

    private func runSteps() async throws {
        let started = try await client.query("SELECT now()::text AS now")[0]["now"] ?? "-infinity"
        let documents = try DocumentSubmitter.documents(in: documentsFolder)
        emit(.text("""
            DeepCrest AI processes its customers' documents with LLMs. Everything goes through one gateway: clients \
            submit jobs to a PostgreSQL queue, \(info.workers) worker processes route them to provider deployments and \
            write results and a usage ledger back. Route '\(Self.balancedRoute)' sends 50% to gpt-4o and 50% to gpt-4o-mini, \
            falling back to claude-3-5-sonnet. The providers are the mock providers at \(info.mockURL ?? "-").
            """))
        var summary: [(key: String, value: String)] = []
        summary += try await balancing(documents)
        summary += try await caching(documents)
        summary += try await failover(documents)
        summary += try await analytics(since: started)
        summary += try await complexityRouting()
        summary += try await openAICall()
        emit(.summary(summary))
    }

    // MARK: Shared by the steps

    /// Enqueues `jobs` and waits for all of them to finish.
    /// - Returns: their ids.
    func submitAndWait(_ jobs: [NewJob]) async throws -> [Int64] {
        let ids = try await queue.enqueue(jobs).map(\.id)
        try await wait(ids)
        return ids
    }

    /// Waits for jobs to finish; says so when some did not succeed.
    func wait(_ ids: [Int64]) async throws {
        let states = try await queue.waitUntilFinished(
            ids: ids, timeoutMs: Self.jobTimeoutMs, listenerConfiguration: listenerConfiguration)
        let unfinished = ids.filter { !(states[$0]?.isTerminal ?? false) }
        if !unfinished.isEmpty {
            throw LocalStackError("\(unfinished.count) of \(ids.count) jobs did not finish within \(Self.jobTimeoutMs / 1_000) s; see the worker logs in \(info.logDirectory)")
        }
        let failed = ids.filter { states[$0] != .succeeded }
        if !failed.isEmpty { emit(.text("\(failed.count) of \(ids.count) jobs did not succeed: switchyard job \(failed[0]) shows why.")) }
    }

    /// Makes sure batch `id`, whose jobs are all finished, is finalized (serve and the workers
    /// normally do it first), as `docs submit` does.
    /// - Returns: its status.
    func finishedBatchStatus(_ id: Int64) async throws -> String {
        let store = BatchStore(client: client)
        // serve's batch service may be finalizing it right now (a pass of our own then leaves it
        // alone): wait for the end, up to 30 s, passing ourselves meanwhile in case serve is slow.
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            guard let status = try await store.progress(id: id)?.status else { return "-" }
            if status.isTerminal || ContinuousClock.now >= deadline { return status.rawValue }
            try await BatchService(client: client, listenerConfiguration: nil).runOnce()
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The first `length` characters of `text` on one line, with `…` when cut.
    static func excerpt(_ text: String, length: Int) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count <= length ? line : String(line.prefix(length - 1)) + "…"
    }

    /// A query's rows as a table.
    func table(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) async throws -> DemoTable {
        DemoTable(try await client.query(sql, parameters))
    }

    /// A query's first row, first column.
    func value(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) async throws -> String? {
        let result = try await client.query(sql, parameters)
        return result.isEmpty ? nil : result[0][0]
    }

    /// `ids` as a PostgreSQL array literal parameter (`$1::bigint[]`).
    static func idArray(_ ids: [Int64]) -> String {
        "{" + ids.map(String.init).joined(separator: ",") + "}"
    }

    /// One HTTP call (mock control endpoints, the gateway's API).
    func call(_ method: String, _ url: String, headers: [(name: String, value: String)] = [], body: String = "") async throws
        -> UpstreamResponse
    {
        var all = headers
        if !body.isEmpty { all.append(("Content-Type", "application/json")) }
        return try await http.send(UpstreamRequest(method: method, url: url, headers: all, body: Array(body.utf8)), timeoutMs: 120_000)
    }
}
