import Gateway
import Providers

extension ClientKeyStore {
    /// A client with the tokens counted against its quotas now: what `clients list` and
    /// `GET /v1/admin/clients` show (never a key or its hash).
    public struct Summary: Sendable, Hashable {
        public var client: Listing
        public var usage: QuotaLedger.ClientUsage

        /// `{"id", "object": "client", "name", "admin", "tpm", "tpd", "tokens_this_minute",
        /// "tokens_today", "unsettled_jobs", "created_at", "revoked_at"}`.
        public var json: JSONValue {
            [
                "id": .string(String(client.id)), "object": "client", "name": .string(client.name),
                "admin": .bool(client.isAdmin),
                "tpm": client.quota.perMinute.map(JSONValue.int) ?? .null,
                "tpd": client.quota.perDay.map(JSONValue.int) ?? .null,
                "tokens_this_minute": .int(usage.minuteTokens), "tokens_today": .int(usage.dayTokens),
                "unsettled_jobs": .int(usage.reservedJobs),
                "created_at": JobView.timestamp(client.createdAt), "revoked_at": JobView.timestamp(client.revokedAt),
            ]
        }
    }

    /// Every client, oldest first, with its usage in the current UTC minute and day.
    public func summaries() async throws -> [Summary] {
        let clients = try await list()
        let usage = try await QuotaLedger(client: client).usage(clientIDs: clients.map(\.id))
        return clients.map { listing in
            Summary(client: listing, usage: usage[listing.id] ?? QuotaLedger.ClientUsage(minuteTokens: 0, dayTokens: 0, reservedJobs: 0))
        }
    }
}
