import Foundation
import Postgres
import Providers

/// Applied configs in `switchyard.config_versions`: one row per apply, the newest in force.
/// Applying NOTIFYs `switchyard_config` (a trigger), so workers reload without a restart.
public struct GatewayConfigStore: Sendable {
    /// The NOTIFY channel workers listen on for a new config.
    public static let channel = "switchyard_config"

    /// One stored config.
    public struct Version: Sendable {
        public var id: Int64
        public var config: GatewayConfig
        /// The document as stored (jsonb text).
        public var document: String
        public var sha256: String
        public var appliedAt: Date?
    }

    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// Validates `bytes` and stores them as the config in force. Nothing is stored when invalid.
    /// - Returns: the new version's id, the digest, and whether it equals the one already in force.
    /// - Throws: ``GatewayConfigError`` (every problem with its JSON path) or a database error.
    public func apply(_ bytes: [UInt8], appliedBy: String? = nil) async throws -> (id: Int64, sha256: String, unchanged: Bool) {
        _ = try GatewayConfig.parse(bytes)
        let document = try JSONValue.parse(bytes)
        let canonical = document.canonicalText
        let digest = SHA256.hexDigest(canonical)
        let previous = try await latest()
        let rows = try await client.query(
            "INSERT INTO switchyard.config_versions (config, sha256, applied_by) VALUES ($1::jsonb, $2, $3) RETURNING id",
            [PostgresJSON(canonical), digest, appliedBy])
        guard let id = rows.first?.int64("id") else {
            throw PostgresError(code: .badResult, message: "config insert returned no id")
        }
        return (id, digest, previous?.sha256 == digest)
    }

    /// The config in force, or nil when none was applied.
    /// - Throws: a database error, or ``GatewayConfigError`` when the stored document no longer validates.
    public func latest() async throws -> Version? {
        let rows = try await client.query(
            "SELECT id, config::text AS config, sha256, applied_at FROM switchyard.config_versions ORDER BY id DESC LIMIT 1")
        guard let row = rows.first, let id = row.int64("id"), let text = row.string("config") else { return nil }
        let config = try GatewayConfig.parse(text)
        return Version(id: id, config: config, document: text, sha256: row.string("sha256") ?? "", appliedAt: row.date("applied_at"))
    }
}
