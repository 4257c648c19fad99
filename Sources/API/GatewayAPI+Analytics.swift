import Foundation
import HTTP
import Providers

extension GatewayAPI {
    /// `GET /v1/analytics/{view}[?since=&limit=&client=]`: the rows of one `analytics` view as JSON,
    /// `{"object": "list", "view", "data": [...], "has_more"}`. Numbers are exact (money stays
    /// decimal), ids are strings, times RFC 3339.
    ///
    /// An admin key sees every row (`client=ID` narrows `client_usage`). Any other key may read only
    /// views with a client column, and only its own rows; the rest answer 403. `since` (RFC 3339, or
    /// a duration back from now such as `15m` or `24h`) applies to views with a time column.
    func analytics(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let name = request.pathParameters["view"] ?? ""
        guard let view = AnalyticsView.named(name) else {
            throw APIError(404, "no analytics view '\(name)' (known: \(AnalyticsView.names.joined(separator: ", ")))",
                           code: "view_not_found", param: "view")
        }
        var clientID: Int64?
        if caller.isAdmin {
            clientID = try Self.integerQuery(request, "client", range: 1...Int.max).map(Int64.init)
            if clientID != nil && view.clientColumn == nil {
                throw APIError(400, "client: view '\(name)' has no client column (only: \(Self.clientViews))",
                               code: "invalid_value", param: "client")
            }
        } else {
            guard view.clientColumn != nil else {
                throw APIError(403, "view '\(name)' covers every client and needs an admin key; a client key may read \(Self.clientViews) (its own rows)",
                               type: "permission_error", code: "admin_required")
            }
            clientID = caller.id
        }
        let since = try Self.sinceQuery(request, view: view)
        let limit = try Self.integerQuery(request, "limit", range: 1...10_000) ?? 1_000
        let text: String
        do {
            let rows = try await client.query(view.unsafeSQL, [since, clientID, limit + 1])
            text = rows.first?.string("rows") ?? "[]"
        } catch {
            throw APIError.internalError(error)
        }
        guard case .array(var data)? = try? JSONValue.parse(text) else {
            throw APIError(500, "view '\(name)' returned unreadable rows", type: "server_error", code: "internal_error")
        }
        let hasMore = data.count > limit
        if hasMore { data.removeLast(data.count - limit) }
        return Self.json(["object": "list", "view": .string(name), "data": .array(data.map(Self.idsAsStrings)),
                          "has_more": .bool(hasMore)])
    }

    private static var clientViews: String {
        AnalyticsView.all.filter { $0.clientColumn != nil }.map(\.name).joined(separator: ", ")
    }

    /// `since` as a timestamp: RFC 3339, or a duration (`90s`, `15m`, `24h`) back from now.
    private static func sinceQuery(_ request: HTTPRequest, view: AnalyticsView) throws(APIError) -> Date? {
        guard let text = request.query["since"] else { return nil }
        guard view.takesSince else {
            let views = AnalyticsView.all.filter(\.takesSince).map(\.name).joined(separator: ", ")
            throw APIError(400, "since: view '\(view.name)' has no time column (since applies to: \(views))",
                           code: "invalid_value", param: "since")
        }
        if let date = JobSubmission.parseRFC3339(text) { return date }
        if text.unicodeScalars.last.map(CharacterSet.letters.contains) == true,
           let seconds = RateLimitInfo.parseDuration(text), seconds.isFinite {
            return Date(timeIntervalSinceNow: -seconds)
        }
        throw APIError(400, "since: expected an RFC 3339 timestamp (2026-01-31T12:00:00Z) or a duration such as 15m or 24h, got '\(text)'",
                       code: "invalid_value", param: "since")
    }

    /// Ids appear in JSON as strings: members named `id` or ending in `_id` with integer values.
    private static func idsAsStrings(_ row: JSONValue) -> JSONValue {
        guard case .object(var members) = row else { return row }
        for (key, value) in members where key == "id" || key.hasSuffix("_id") {
            if case .int(let number) = value { members[key] = .string(String(number)) }
        }
        return .object(members)
    }
}
