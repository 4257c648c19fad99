import API
import Providers
import Queue

extension DemoScenario {
    /// Step 1: the documents as one docs batch, then a stream of support tickets, on the 50/50 route.
    func balancing(_ documents: [DocumentCollector.Document]) async throws -> [(key: String, value: String)] {
        emit(.step(number: 1, title: "Weighted load balancing: 50% gpt-4o, 50% gpt-4o-mini"))
        emit(.text("Submitting the \(documents.count) sample documents of examples/docs as one batch on route '\(Self.balancedRoute)': one summarize job per document, its prompt from examples/templates/summarize.md."))
        emit(.command("switchyard docs submit examples/docs --task summarize --model \(Self.balancedRoute)"))
        let submitted = try await DocumentSubmitter(client: client).submit(documents, task: "summarize", route: Self.balancedRoute)
        emit(.text("batch \(submitted.batchID): \(submitted.jobIDs.count) jobs"))
        try await wait(submitted.jobIDs)
        let status = try await finishedBatchStatus(submitted.batchID)
        emit(.text("Batch \(submitted.batchID) is \(status). Who answered each document, with the tokens it took:"))
        emit(.table(try await table("""
            SELECT j.custom_id AS document, j.result->>'model' AS answered_by,
                   a.prompt_tokens, a.completion_tokens, round(a.latency_ms::numeric) AS latency_ms
            FROM switchyard.jobs j
            LEFT JOIN LATERAL (SELECT * FROM switchyard.attempts x WHERE x.job_id = j.id ORDER BY x.id DESC LIMIT 1) a ON true
            WHERE j.batch_id = $1 ORDER BY j.id
            """, [submitted.batchID])))
        emit(.text("The answers, as 'switchyard results' exports them (file, status, model, tokens, cost, answer; the first 4 of \(documents.count)):"))
        emit(.command("switchyard results \(submitted.batchID) --format csv"))
        let rows = try await BatchResults(client: client).rows(batchID: submitted.batchID, limit: 4)
        emit(.table(DemoTable(
            columns: ["file", "status", "model", "total_tokens", "cost_usd", "answer"],
            rows: rows.map { row in
                [row.file, row.status, row.model ?? "-", String(row.promptTokens + row.completionTokens),
                 String(format: "%.6f", row.costUSD), Self.excerpt(row.answer ?? row.error ?? "", length: 60)]
            })))

        let tickets = Self.supportTickets()
        emit(.text("A dozen jobs say little about a split: \(tickets.count) support tickets to triage follow on the same route."))
        _ = try await submitAndWait(tickets)
        emit(.text("How the route's traffic was split (analytics.request_distribution):"))
        emit(.command("psql \"$SWITCHYARD_DATABASE_URL\" -c \"SELECT model, requests, route_share_pct FROM analytics.request_distribution WHERE route = '\(Self.balancedRoute)'\""))
        let distribution = try await client.query("""
            SELECT model, requests, route_share_pct FROM analytics.request_distribution
            WHERE route = $1 ORDER BY model
            """, [Self.balancedRoute])
        emit(.table(DemoTable(distribution)))
        return [(key: "batch_id", value: String(submitted.batchID))]
            + distribution.map { row in (key: "share_\(row["model"] ?? "-")", value: row["route_share_pct"] ?? "-") }
    }

    /// One-line tickets from a help desk: ten subjects from twenty customers.
    static func supportTickets() -> [NewJob] {
        let subjects = [
            "Cannot log in after the password reset", "Invoice total does not match our purchase order",
            "Export to PDF times out on large reports", "Please add two seats to our plan",
            "The API returns 429 during our nightly sync", "Wrong VAT number on the March invoice",
            "Webhook deliveries are delayed by an hour", "How do we rotate our API key?",
            "We were charged twice for March", "Feature request: single sign-on with Okta",
        ]
        let customers = [
            "Acme Freight", "Brightline Dental", "Cobalt Insurance", "Delta Foods", "Evergreen Clinics", "Fjord Analytics",
            "Granite Legal", "Harbor Retail", "Iris Media", "Juniper Energy", "Keystone Builders", "Lumen Schools",
            "Meridian Travel", "Northwind Logistics", "Orchid Pharma", "Pioneer Credit Union", "Quartz Robotics",
            "Redwood Hotels", "Summit Outdoor", "Tidewater Shipping",
        ]
        var jobs: [NewJob] = []
        for (customerIndex, customer) in customers.enumerated() {
            for (subjectIndex, subject) in subjects.enumerated() {
                let number = 48_000 + customerIndex * subjects.count + subjectIndex
                let request = JSONValue.object([
                    "model": .string(balancedRoute),
                    "messages": .array([
                        .object(["role": "system", "content": "Triage support tickets: answer with one of billing, technical, account, feature_request and the team to route it to."]),
                        .object(["role": "user", "content": .string("Ticket #\(number) from \(customer): \(subject).")]),
                    ]),
                ]).description
                var job = NewJob(route: balancedRoute, request: request)
                job.options = JSONValue.object(["metadata": .object(["ticket": .string(String(number))])]).description
                jobs.append(job)
            }
        }
        return jobs
    }
}
