import Foundation
import Gateway
import Postgres

/// API clients and their keys in `switchyard.clients`. A key is returned once by `create` and
/// stored only as its hex sha256; `authenticate` hashes what the caller presents and looks that up.
public struct ClientKeyStore: Sendable {
    /// A client as the API sees it after authentication.
    public struct Client: Sendable, Hashable {
        public var id: Int64
        public var name: String
        public var isAdmin: Bool
        /// Read at authentication: a client without quotas skips quota accounting on submit.
        public var quota = TokenQuota()
    }

    /// A client as `clients list` and `GET /v1/admin/clients` show it (never its key or key hash).
    public struct Listing: Sendable, Hashable {
        public var id: Int64
        public var name: String
        public var isAdmin: Bool
        public var quota: TokenQuota
        public var createdAt: Date?
        public var revokedAt: Date?
    }

    /// A client just created, with its key in clear — the only time it exists outside the caller.
    public struct CreatedClient: Sendable {
        public var id: Int64
        public var name: String
        public var key: String
        public var isAdmin: Bool
    }

    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// Creates a client with a fresh random key (`sy-` + 64 hex digits from 32 random bytes).
    public func create(name: String, admin: Bool = false, tpm: Int? = nil, tpd: Int? = nil) async throws -> CreatedClient {
        let key = Self.newKey()
        let rows = try await client.query(
            "INSERT INTO switchyard.clients (name, key_sha256, admin, tpm, tpd) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            [name, SHA256.hexDigest(key), admin, tpm, tpd])
        guard let id = rows.first?.int64("id") else {
            throw PostgresError(code: .badResult, message: "client insert returned no id")
        }
        return CreatedClient(id: id, name: name, key: key, isAdmin: admin)
    }

    /// The unrevoked client whose key is `key`, or nil.
    public func authenticate(key: String) async throws -> Client? {
        guard key.hasPrefix("sy-"), key.utf8.count <= 128 else { return nil }
        let rows = try await client.query(
            "SELECT id, name, admin, tpm, tpd FROM switchyard.clients WHERE key_sha256 = $1 AND revoked_at IS NULL",
            [SHA256.hexDigest(key)])
        guard let row = rows.first, let id = row.int64("id") else { return nil }
        return Client(id: id, name: row.string("name") ?? "", isAdmin: row.bool("admin") ?? false,
                      quota: TokenQuota(perMinute: row.int("tpm"), perDay: row.int("tpd")))
    }

    /// Every client, oldest first; revoked ones only when `includeRevoked`.
    public func list(includeRevoked: Bool = true) async throws -> [Listing] {
        let rows = try await client.query(
            """
            SELECT id, name, admin, tpm, tpd, created_at, revoked_at FROM switchyard.clients
            WHERE $1 OR revoked_at IS NULL ORDER BY id
            """, [includeRevoked])
        return rows.compactMap { row in
            guard let id = row.int64("id") else { return nil }
            return Listing(id: id, name: row.string("name") ?? "", isAdmin: row.bool("admin") ?? false,
                           quota: TokenQuota(perMinute: row.int("tpm"), perDay: row.int("tpd")),
                           createdAt: row.date("created_at"), revokedAt: row.date("revoked_at"))
        }
    }

    /// Revokes client `id`; its key stops working at once. Returns false when there is no such client.
    public func revoke(id: Int64) async throws -> Bool {
        let rows = try await client.query(
            "UPDATE switchyard.clients SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id", [id])
        return !rows.isEmpty
    }

    /// `sy-` + 32 bytes of `SystemRandomNumberGenerator` (getrandom on Linux) in hex.
    static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "sy-" + SHA256.hex(bytes)
    }
}
