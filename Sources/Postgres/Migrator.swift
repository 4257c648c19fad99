import Foundation

/// Applies `NNNN_name.sql` files from a directory in name order, once each.
///
/// Runs under `pg_advisory_lock` so concurrent migrators (several workers starting at once) apply
/// each file exactly once; records name and SHA-256 checksum in `switchyard.schema_migrations`;
/// a re-run is a no-op; an applied file whose content changed is refused with an error naming it.
/// Each file runs in its own transaction (so `CREATE INDEX CONCURRENTLY` cannot be used).
public struct Migrator: Sendable {
    public let client: PostgresClient

    /// The advisory lock key held while migrating (`pg_advisory_lock(...)`).
    public static let advisoryLockKey: Int64 = 0x5357_4D49_4752  // "SWMIGR"

    public init(client: PostgresClient) {
        self.client = client
    }

    /// One migration file.
    public struct Migration: Sendable {
        public let name: String
        public let bytes: [UInt8]
        public var sql: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Applies the files not applied yet.
    /// - Returns: the names of the files applied by this call, in order.
    /// - Throws: `MigrationError` (a changed file, an unreadable directory, a failing file).
    public func migrate(directory: URL) async throws -> [String] {
        let migrations = try Self.migrations(in: directory)
        return try await client.withConnection { connection in
            try Self.migrate(migrations, on: connection)
        }
    }

    /// The `.sql` files in `directory`, sorted by name. A missing directory holds none.
    public static func migrations(in directory: URL) throws -> [Migration] {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return []
        }
        let names: [String]
        do {
            names = try fileManager.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(file: directory.path, reason: "cannot list the migrations directory: \(error)")
        }
        return try names.filter { $0.hasSuffix(".sql") }.sorted().map { name in
            guard let data = fileManager.contents(atPath: directory.appendingPathComponent(name).path) else {
                throw MigrationError(file: name, reason: "cannot read the file")
            }
            return Migration(name: name, bytes: [UInt8](data))
        }
    }

    /// Applies `migrations` on `connection` (blocking; the caller's thread must not be a concurrency pool thread).
    public static func migrate(_ migrations: [Migration], on connection: PostgresConnection) throws -> [String] {
        try connection.query("SELECT pg_advisory_lock($1)", [advisoryLockKey])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [advisoryLockKey]) }
        try connection.execute(
            unsafeSQL: """
                CREATE SCHEMA IF NOT EXISTS switchyard;
                CREATE TABLE IF NOT EXISTS switchyard.schema_migrations (
                    name       text PRIMARY KEY,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
                """)
        var applied: [String: String] = [:]
        for row in try connection.query("SELECT name, checksum FROM switchyard.schema_migrations") {
            if let name = row["name"], let checksum = row["checksum"] { applied[name] = checksum }
        }
        var newlyApplied: [String] = []
        for migration in migrations {
            let checksum = try sha256Hex(migration.bytes, on: connection)
            if let recorded = applied[migration.name] {
                guard recorded == checksum else {
                    throw MigrationError(
                        file: migration.name,
                        reason: "the file changed after it was applied (recorded sha256 \(recorded), now \(checksum));"
                            + " add a new migration instead of editing an applied one")
                }
                continue
            }
            do {
                try connection.transaction { connection in
                    try connection.execute(unsafeSQL: migration.sql)
                    try connection.query(
                        "INSERT INTO switchyard.schema_migrations (name, checksum) VALUES ($1, $2)",
                        [migration.name, checksum])
                }
            } catch let error as PostgresError {
                throw MigrationError(file: migration.name, reason: "it failed: \(error)", underlying: error)
            }
            newlyApplied.append(migration.name)
        }
        return newlyApplied
    }

    /// SHA-256 of `bytes` as lowercase hex, computed by PostgreSQL's `sha256()`.
    public static func sha256Hex(_ bytes: [UInt8], on connection: PostgresConnection) throws -> String {
        let result = try connection.query("SELECT encode(sha256($1::bytea), 'hex')", [byteaLiteral(bytes)])
        guard let hex = result.first?[0] else {
            throw PostgresError(code: .badResult, message: "sha256() returned no value")
        }
        return hex
    }

    /// `\x...` bytea input text.
    static func byteaLiteral(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        text.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Where `switchyard migrate` looks by default: `SWITCHYARD_MIGRATIONS`, else `./migrations`, else
    /// the `migrations` folder of the repository the running executable was built in
    /// (`<repo>/.build/<triple>/debug/switchyard` → `<repo>/migrations`).
    public static func defaultDirectory() -> URL? {
        if let explicit = ProcessInfo.processInfo.environment["SWITCHYARD_MIGRATIONS"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        guard let found = SourceCheckout.locate("migrations") else { return nil }
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: found.path, isDirectory: &isDirectory) && isDirectory.boolValue ? found : nil
    }
}

/// A migration that cannot be applied; `file` names it.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let reason: String
    public let underlying: PostgresError?

    public init(file: String, reason: String, underlying: PostgresError? = nil) {
        self.file = file
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String { "migration \(file): \(reason)" }
}
