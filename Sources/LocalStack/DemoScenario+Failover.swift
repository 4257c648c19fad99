import API
import Foundation
import Providers

extension DemoScenario {
    /// Step 2: the same documents again (a client retrying a whole batch) hit the response cache.
    func caching(_ documents: [DocumentCollector.Document]) async throws -> [(key: String, value: String)] {
        emit(.step(number: 2, title: "The same documents again: answered from the cache"))
        emit(.text("A client resubmits the whole batch. Identical requests are answered from the cache at no cost (TTL 3600 s by default; a job can say \"cache\": {\"no_cache\": true})."))
        emit(.command("switchyard docs submit examples/docs --task summarize --model \(Self.balancedRoute)"))
        let submitted = try await DocumentSubmitter(client: client).submit(documents, task: "summarize", route: Self.balancedRoute)
        try await wait(submitted.jobIDs)
        emit(.text("batch \(submitted.batchID) is \(try await finishedBatchStatus(submitted.batchID)):"))
        let ids = Self.idArray(submitted.jobIDs)
        emit(.table(try await table("""
            SELECT j.custom_id AS document,
                   CASE WHEN bool_or(a.outcome = 'cache_hit') THEN 'hit' ELSE 'miss' END AS cache,
                   j.result->>'model' AS answered_by, sum(a.cost_usd) AS cost_usd
            FROM switchyard.jobs j JOIN switchyard.attempts a ON a.job_id = j.id
            WHERE j.id = ANY($1::bigint[]) GROUP BY j.id ORDER BY j.id
            """, [ids])))
        let hits = Int(try await value(
            "SELECT count(*) FROM switchyard.attempts WHERE job_id = ANY($1::bigint[]) AND outcome = 'cache_hit'", [ids]) ?? "0") ?? 0
        emit(.text("\(hits) of \(documents.count) answered from the cache."
            + (hits < documents.count ? " The others were routed to a model that had not answered that request yet: cache entries are kept per model." : "")))
        return [(key: "cache_hits", value: String(hits))]
    }

    /// Step 3: an outage of gpt-4o; jobs fail over to gpt-4o-mini, then the breaker keeps gpt-4o out.
    func failover(_ documents: [DocumentCollector.Document]) async throws -> [(key: String, value: String)] {
        let mock = info.mockURL ?? ""
        emit(.step(number: 3, title: "Failover when gpt-4o goes down"))
        emit(.text("Blocking gpt-4o at the (mock) provider: every call to it now answers 503."))
        emit(.command("curl -X POST \(mock)/_mock/models/gpt-4o/outage -d '{\"enabled\": true, \"mode\": \"503\"}'"))
        _ = try await call("POST", "\(mock)/_mock/models/gpt-4o/outage", body: "{\"enabled\": true, \"mode\": \"503\"}")
        let before = try await mockErrors(model: "gpt-4o")
        emit(.text("The documents come in again, four at a time, for extraction and then classification: \(documents.count * 2) jobs on route '\(Self.balancedRoute)', one small docs batch per wave."))
        emit(.command("switchyard docs submit \(documents.prefix(4).map(\.name).joined(separator: " ")) --task extract --model \(Self.balancedRoute)"))
        let submitter = DocumentSubmitter(client: client)
        var jobIDs: [Int64] = []
        for task in ["extract", "classify"] {
            for start in stride(from: 0, to: documents.count, by: 4) {
                let wave = try await submitter.submit(Array(documents[start..<min(start + 4, documents.count)]), task: task, route: Self.balancedRoute)
                try await wait(wave.jobIDs)
                jobIDs += wave.jobIDs
            }
        }
        _ = try await call("POST", "\(mock)/_mock/models/gpt-4o/outage", body: "{\"enabled\": false}")
        let ids = Self.idArray(jobIDs)

        emit(.text("The routing trace of each job (switchyard.jobs.routing_trace): the calls it made, and the deployments it skipped."))
        emit(.command("switchyard job ID --json    # or: SELECT routing_trace FROM switchyard.jobs WHERE id = ID"))
        emit(.table(try await table("""
            SELECT j.id AS job, j.custom_id AS document,
                   (SELECT string_agg((a->>'deployment') || ' ' || (a->>'outcome') || coalesce(' ' || (a->>'status'), ''), ' -> ' ORDER BY n)
                      FROM jsonb_array_elements(j.routing_trace->'attempts') WITH ORDINALITY AS t(a, n)) AS calls,
                   coalesce((SELECT string_agg((e->>'deployment') || ' (' || (e->>'reason') || ')', ', ')
                      FROM jsonb_array_elements(j.routing_trace->'excluded') e), '-') AS skipped,
                   j.result->>'model' AS answered_by
            FROM switchyard.jobs j WHERE j.id = ANY($1::bigint[]) ORDER BY j.id LIMIT 14
            """, [ids])))

        emit(.text("The gateway's log of provider calls (switchyard.attempts, one row per call) for the first jobs that failed over:"))
        emit(.table(try await table("""
            SELECT to_char(a.started_at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') AS time_utc, a.job_id AS job, a.deployment,
                   a.outcome, coalesce(a.http_status::text, '-') AS status, CASE WHEN a.failover THEN 'yes' ELSE '' END AS failover,
                   coalesce(left(a.error, 56), '') AS error
            FROM switchyard.attempts a
            WHERE a.job_id IN (SELECT job_id FROM analytics.failover_events WHERE job_id = ANY($1::bigint[]) ORDER BY job_id LIMIT 5)
            ORDER BY a.started_at, a.id
            """, [ids])))
        let failoverLines = workerLogLines(matching: [#""msg":"failover""#], limit: 4)
        let breakerLines = workerLogLines(matching: [#""msg":"circuit breaker"#, #""msg":"deployment cooling down"#], limit: 3)
        emit(.text("And in the workers' logs (\(info.logDirectory), JSON lines): a line per failover, and one when the breaker opens."))
        emit(.command("grep -h '\"msg\":\"failover\"' \(info.logDirectory)/llm-*.log | head"))
        for line in failoverLines + breakerLines { emit(.detail(line)) }

        emit(.text("Failovers by cause (analytics.failover_events):"))
        emit(.table(try await table("""
            SELECT from_deployment, from_outcome, to_deployment, count(*) AS failovers
            FROM analytics.failover_events WHERE job_id = ANY($1::bigint[]) GROUP BY 1, 2, 3 ORDER BY 4 DESC
            """, [ids])))
        let failovers = Int(try await value(
            "SELECT count(*) FROM analytics.failover_events WHERE job_id = ANY($1::bigint[])", [ids]) ?? "0") ?? 0
        let skipped = Int(try await value("""
            SELECT count(*) FROM switchyard.jobs j, jsonb_array_elements(j.routing_trace->'excluded') e
            WHERE j.id = ANY($1::bigint[]) AND e->>'deployment' = 'gpt-4o' AND e->>'reason' = 'breaker_open'
            """, [ids]) ?? "0") ?? 0
        let succeeded = Int(try await value(
            "SELECT count(*) FROM switchyard.jobs WHERE id = ANY($1::bigint[]) AND state = 'succeeded'", [ids]) ?? "0") ?? 0
        let errors = try await mockErrors(model: "gpt-4o") - before
        emit(.text("\(succeeded) of \(jobIDs.count) jobs succeeded although gpt-4o answered \(errors) calls with 503: \(failovers) failed over to another deployment"
            + (skipped > 0 ? "; then gpt-4o's circuit breaker opened (5 failures in a row) and the \(skipped) jobs routed after that left gpt-4o out without calling it." : ".")
            + " The breaker state is shared by all workers (switchyard providers):"))
        emit(.table(try await table("""
            SELECT deployment, coalesce(breaker_state, '-') AS breaker, consecutive_failures,
                   CASE WHEN healthy THEN 'yes' ELSE 'no' END AS healthy
            FROM analytics.provider_health WHERE deployment IN ('gpt-4o', 'gpt-4o-mini') ORDER BY deployment
            """)))
        emit(.text("The outage switch is off again. The breaker keeps gpt-4o out until its reset timeout (60 s here); then one probe call closes it again."))
        return [(key: "failovers", value: String(failovers)), (key: "breaker_skips", value: String(skipped)),
                (key: "outage_errors", value: String(errors)),
                (key: "failover_log_lines", value: String(workerLogLines(matching: [#""msg":"failover""#], limit: .max).count))]
    }

    /// Errors the mock provider has answered for `model` so far (`GET /_mock/stats`).
    private func mockErrors(model: String) async throws -> Int {
        let response = try await call("GET", "\(info.mockURL ?? "")/_mock/stats")
        let stats = try? JSONValue.parse(response.body)
        return stats?["models"]?[model]?["error"]?.intValue ?? 0
    }

    /// Lines of the workers' logs containing any of `words`, at most `limit`.
    private func workerLogLines(matching words: [String], limit: Int) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: info.logDirectory)) ?? [])
            .filter { $0.hasSuffix(".log") && !["serve.log", "mock-provider.log"].contains($0) }.sorted()
        var lines: [String] = []
        for name in names {
            for line in LogFile(path: info.logDirectory + "/" + name).text().split(separator: "\n") {
                if words.contains(where: { line.contains($0) }) { lines.append("\(name): \(line)") }
                if lines.count >= limit { return lines }
            }
        }
        return lines
    }
}
