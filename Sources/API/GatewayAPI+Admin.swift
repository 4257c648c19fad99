import Foundation
import Gateway
import HTTP
import Providers

extension GatewayAPI {
    /// Admin routes: they need a key created with `clients create NAME --admin`; any other key is
    /// answered 403 in the OpenAI shape.
    ///
    /// - `GET /v1/admin/config`: the config in force, literal provider keys shown as `***`.
    /// - `PUT /v1/admin/config[?dry_run=true]`: validates and stores a config exactly like
    ///   `switchyard config apply` (400 naming every problem's JSON path, nothing stored).
    /// - `GET /v1/admin/clients`: every client with its quotas and the tokens counted in the
    ///   current minute and day (never a key or its hash).
    func addAdminRoutes(to router: HTTPRouter, bodyLimit: Int) {
        router.add("GET", "/v1/admin/config") { [self] in await authenticated($0, admin(getConfig)) }
        router.add("PUT", "/v1/admin/config", bodyLimit: bodyLimit) { [self] in await authenticated($0, admin(putConfig)) }
        router.add("GET", "/v1/admin/clients") { [self] in await authenticated($0, admin(listClients)) }
    }

    static let adminRequired = APIError(
        403, "this route needs an admin key (create one with 'switchyard clients create NAME --admin')",
        type: "permission_error", code: "admin_required")

    private func admin(_ handler: @escaping AuthenticatedHandler) -> AuthenticatedHandler {
        { request, caller throws(APIError) in
            guard caller.isAdmin else { throw Self.adminRequired }
            return try await handler(request, caller)
        }
    }

    private func getConfig(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let version: GatewayConfigStore.Version?
        do {
            version = try await configs.latest()
        } catch {
            throw APIError.internalError(error)
        }
        guard let version else {
            throw APIError(404, "no config applied yet (PUT /v1/admin/config or 'switchyard config apply FILE')", code: "no_config")
        }
        let document = (try? JSONValue.parse(version.document)).map(ConfigRedaction.redact) ?? .null
        return Self.json([
            "object": "config", "id": .string(String(version.id)), "sha256": .string(version.sha256),
            "applied_at": JobView.timestamp(version.appliedAt), "config": document,
        ])
    }

    private func putConfig(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        let mediaType = request.headers["Content-Type"]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            throw APIError(415, "Content-Type must be application/json, got '\(request.headers["Content-Type"] ?? "none")'",
                           code: "unsupported_media_type")
        }
        if let document = try? JSONValue.parse(request.body), let path = Self.redactedKeyPath(in: document) {
            throw APIError(400, "\(path): '\(ConfigRedaction.placeholder)' is how GET shows a literal key; send the key itself or name its variable in api_key_env",
                           code: "invalid_value", param: path)
        }
        do {
            _ = try GatewayConfig.parse(request.body)
        } catch {
            let issues = error.issues
            let listed = issues.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
            throw APIError(400, "config is invalid (\(issues.count) problem\(issues.count == 1 ? "" : "s")), nothing applied: \(listed)",
                           code: "invalid_config", param: issues.first?.path)
        }
        if request.query["dry_run"] == "true" {
            return Self.json(["object": "config", "valid": true, "applied": false])
        }
        let applied: (id: Int64, sha256: String, unchanged: Bool)
        do {
            applied = try await configs.apply(request.body, appliedBy: "api client \(caller.id) (\(caller.name))")
        } catch {
            throw APIError.internalError(error)
        }
        cachedConfig.withLock { $0 = nil }
        return Self.json([
            "object": "config", "id": .string(String(applied.id)), "sha256": .string(applied.sha256),
            "unchanged": .bool(applied.unchanged), "valid": true, "applied": true,
        ])
    }

    private func listClients(_ request: HTTPRequest, _ caller: ClientKeyStore.Client) async throws(APIError) -> HTTPResponse {
        do {
            return Self.json(["object": "list", "data": .array(try await keys.summaries().map(\.json))])
        } catch {
            throw APIError.internalError(error)
        }
    }

    /// The JSON path of the first `api_key` member holding the redaction placeholder, if any.
    static func redactedKeyPath(in value: JSONValue, at path: String = "") -> String? {
        switch value {
        case .object(let members):
            for key in members.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                if key == "api_key", members[key]?.stringValue == ConfigRedaction.placeholder { return child }
                if let found = redactedKeyPath(in: members[key]!, at: child) { return found }
            }
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = redactedKeyPath(in: item, at: "\(path)[\(index)]") { return found }
            }
        default:
            break
        }
        return nil
    }
}
