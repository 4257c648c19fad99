import HTTP

extension GatewayAPI {
    /// `GET /metrics`: Prometheus text format. HTTP figures are this process's; everything else is
    /// read from PostgreSQL (see ``MetricsCollector``) and is the same from every serve process.
    /// Needs no key, like `/health`: bind serve to a private address or put it behind a proxy.
    func metricsPage() async -> HTTPResponse {
        let snapshot: MetricsCollector.Snapshot
        do {
            snapshot = try await metricsCollector.current()
        } catch {
            return .text("# the database is unavailable: \(error)\n", status: 503)
        }
        var page = PrometheusText()
        writeHTTPMetrics(into: &page)
        Self.writeJobMetrics(snapshot, into: &page)
        Self.writeLedgerMetrics(snapshot.ledger, into: &page)
        Self.writeDeploymentMetrics(snapshot.deployments, into: &page)
        var response = HTTPResponse.text(page.text)
        response.headers["Content-Type"] = PrometheusText.contentType
        return response
    }

    private func writeHTTPMetrics(into page: inout PrometheusText) {
        let http = observer.metrics.snapshot
        page.family("switchyard_http_requests_total", "counter", "HTTP requests answered by this serve process, by route pattern, method and status.")
        for (key, count) in http.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            page.sample("switchyard_http_requests_total",
                        [("route", key.route), ("method", key.method), ("status", String(key.status))], Double(count))
        }
        page.family("switchyard_http_request_duration_seconds", "histogram", "Time from routing a request to its answer, by route pattern.")
        for (route, histogram) in http.durations.sorted(by: { $0.key < $1.key }) {
            page.histogram("switchyard_http_request_duration_seconds", [("route", route)], histogram)
        }
        page.family("switchyard_http_waiting_requests", "gauge", "Requests of this process waiting for a job (long polls, chat completions).")
        page.sample("switchyard_http_waiting_requests", [], Double(waiters.count))
    }

    private static func writeJobMetrics(_ snapshot: MetricsCollector.Snapshot, into page: inout PrometheusText) {
        let queues = snapshot.queues.sorted { $0.key < $1.key }
        page.family("switchyard_jobs", "gauge", "Jobs by state; succeeded, failed and cancelled are recounted at most every 30 s.")
        page.sample("switchyard_jobs", [("state", "queued")], Double(queues.reduce(0) { $0 + $1.value.ready + $1.value.scheduled }))
        page.sample("switchyard_jobs", [("state", "running")], Double(queues.reduce(0) { $0 + $1.value.running }))
        for state in ["succeeded", "failed", "cancelled"] {
            page.sample("switchyard_jobs", [("state", state)], Double(snapshot.terminalJobs[state] ?? 0))
        }
        page.family("switchyard_queue_depth", "gauge", "Queued jobs whose run_at has come, per queue.")
        for (queue, counts) in queues { page.sample("switchyard_queue_depth", [("queue", queue)], Double(counts.ready)) }
        page.family("switchyard_queue_scheduled", "gauge", "Queued jobs due later (scheduled or backing off), per queue.")
        for (queue, counts) in queues { page.sample("switchyard_queue_scheduled", [("queue", queue)], Double(counts.scheduled)) }
        page.family("switchyard_queue_running", "gauge", "Running jobs per queue.")
        for (queue, counts) in queues { page.sample("switchyard_queue_running", [("queue", queue)], Double(counts.running)) }
    }

    private static func writeLedgerMetrics(_ ledger: LedgerTally, into page: inout PrometheusText) {
        let rows = ledger.totals.sorted { ($0.key.provider, $0.key.model, $0.key.outcome) < ($1.key.provider, $1.key.model, $1.key.outcome) }
        page.family("switchyard_provider_requests_total", "counter", "Usage ledger rows (provider calls and cache hits) by provider, model and outcome.")
        for (key, totals) in rows {
            page.sample("switchyard_provider_requests_total",
                        [("provider", key.provider), ("model", key.model), ("outcome", key.outcome)], Double(totals.requests))
        }
        // The rest is per (provider, model): fold the outcomes.
        var models: [LedgerTally.Key: (calls: LedgerTally.Totals, cacheHits: UInt64, cost: Double)] = [:]
        for (key, totals) in rows {
            let model = LedgerTally.Key(provider: key.provider, model: key.model, outcome: "")
            var entry = models[model] ?? (LedgerTally.Totals(), 0, 0)
            entry.cost += totals.costUSD
            if key.outcome == "cache_hit" {
                entry.cacheHits += totals.requests
            } else {
                entry.calls.promptTokens += totals.promptTokens
                entry.calls.completionTokens += totals.completionTokens
                entry.calls.latency.add(bucketCounts: totals.latency.counts, total: totals.latency.count, sum: totals.latency.sum)
            }
            models[model] = entry
        }
        let sorted = models.sorted { ($0.key.provider, $0.key.model) < ($1.key.provider, $1.key.model) }
        page.family("switchyard_provider_latency_seconds", "histogram", "Latency of answered provider calls (outcome ok).")
        for (key, entry) in sorted {
            page.histogram("switchyard_provider_latency_seconds", [("provider", key.provider), ("model", key.model)], entry.calls.latency)
        }
        page.family("switchyard_tokens_total", "counter", "Tokens sent to and returned by providers (cache hits excluded).")
        for (key, entry) in sorted {
            let labels = [("provider", key.provider), ("model", key.model)]
            page.sample("switchyard_tokens_total", labels + [("type", "prompt")], Double(entry.calls.promptTokens))
            page.sample("switchyard_tokens_total", labels + [("type", "completion")], Double(entry.calls.completionTokens))
        }
        page.family("switchyard_cost_usd_total", "counter", "Provider cost in US dollars, from the configured prices.")
        for (key, entry) in sorted {
            page.sample("switchyard_cost_usd_total", [("provider", key.provider), ("model", key.model)], entry.cost)
        }
        page.family("switchyard_cache_hits_total", "counter", "Jobs answered from the response cache, by the model that had answered.")
        for (key, entry) in sorted {
            page.sample("switchyard_cache_hits_total", [("provider", key.provider), ("model", key.model)], Double(entry.cacheHits))
        }
    }

    private static func writeDeploymentMetrics(_ deployments: [MetricsCollector.Deployment], into page: inout PrometheusText) {
        page.family("switchyard_breaker_state", "gauge", "Circuit breaker state per deployment: 1 for the current state, 0 for the others.")
        for deployment in deployments {
            for state in ["closed", "open", "half_open"] {
                page.sample("switchyard_breaker_state",
                            [("deployment", deployment.name), ("provider", deployment.provider), ("model", deployment.model),
                             ("state", state)], deployment.breakerState == state ? 1 : 0)
            }
        }
        page.family("switchyard_deployment_cooling_down", "gauge", "1 while a deployment cools down after a 429 or Retry-After.")
        for deployment in deployments {
            page.sample("switchyard_deployment_cooling_down", [("deployment", deployment.name)], deployment.coolingDown ? 1 : 0)
        }
    }
}
