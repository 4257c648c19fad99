import API
import Foundation
import Providers

/// `switchyard clients list`: every client with its quotas and the tokens counted against them now.
enum ClientsListCommand: Command {
    static let spec = CommandSpec(
        name: "clients list",
        summary: "List API clients with their token quotas and current usage",
        options: [.flag("--active", "Leave out revoked clients"), .json, .databaseURL],
        discussion: """
            TOKENS_MIN / TOKENS_DAY are the tokens counted in the current UTC minute and day: provider tokens
            of finished jobs plus the estimates of unfinished ones (see docs/API.md, "Quotas"). Keys are never shown.
            """)

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let client = DatabaseOptions.client(arguments, maxConnections: 1)
        defer { client.shutdown() }
        var summaries = try await ClientKeyStore(client: client).summaries()
        if arguments.flag("--active") { summaries.removeAll { $0.client.revokedAt != nil } }
        if arguments.flag("--json") {
            print(String(decoding: JSONValue.array(summaries.map(\.json)).serialized(), as: UTF8.self))
            return 0
        }
        if summaries.isEmpty {
            print("no clients yet; create one with 'switchyard clients create NAME'")
            return 0
        }
        let formatter = ISO8601DateFormatter()
        let header = ["ID", "NAME", "ADMIN", "TPM", "TPD", "TOKENS_MIN", "TOKENS_DAY", "CREATED", "REVOKED"]
        let rows = summaries.map { summary -> [String] in
            let listing = summary.client
            return [String(listing.id), listing.name, listing.isAdmin ? "yes" : "no",
                    listing.quota.perMinute.map(String.init) ?? "-", listing.quota.perDay.map(String.init) ?? "-",
                    String(summary.usage.minuteTokens), String(summary.usage.dayTokens),
                    listing.createdAt.map(formatter.string) ?? "-", listing.revokedAt.map(formatter.string) ?? "-"]
        }
        print(TextTable.render(headers: header, rows: rows,
                               rightAligned: [true, false, false, true, true, true, true, false, false]))
        return 0
    }
}
