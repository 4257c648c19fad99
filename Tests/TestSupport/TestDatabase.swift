import Foundation
import Postgres
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Databases for tests: one per suite, cloned from `switchyard_template`, which holds the
/// repository's migrations and is rebuilt when they change.
public enum TestDatabase {
    /// The template's name in the test cluster.
    public static let templateName = "switchyard_template"

    /// Superuser URL of the test cluster's `postgres` database (`SWITCHYARD_TEST_DATABASE_URL`).
    /// Stops the process with a message saying how to set it when it is missing; `create` throws instead.
    public static var adminURL: String {
        guard let url = environmentURL else { fatalError(TestDatabaseError.missingURL.description) }
        return url
    }

    /// The repository root, found from this file's path (`Tests/TestSupport/TestDatabase.swift`).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Creates a fresh database for one suite, cloned from the template (migrated once per test process,
    /// serialised across processes by an advisory lock). The name is derived from `name` plus the
    /// process id and a random suffix; databases of test processes that are gone are dropped.
    /// - Returns: the new database's URL.
    public static func create(_ name: String = #function) async throws -> String {
        guard let admin = environmentURL else { throw TestDatabaseError.missingURL }
        let template = try await preparedTemplate(admin: admin)
        let database = databaseName(for: name)
        // Another test process (another checkout sharing the cluster) may have rebuilt the template
        // for other migrations since: clone only when it matches ours, else rebuild it and retry.
        for _ in 0..<5 {
            let cloned = try await adminClient(admin).withConnection { connection -> Bool in
                // Shared: clones run in parallel; a rebuild (exclusive) waits for them.
                try connection.query("SELECT pg_advisory_lock_shared($1)", [templateLockKey])
                defer { _ = try? connection.query("SELECT pg_advisory_unlock_shared($1)", [templateLockKey]) }
                guard try templateFingerprint(connection) == template.fingerprint else { return false }
                try connection.execute(
                    unsafeSQL: "CREATE DATABASE \(PostgresConnection.quoteIdentifier(database)) TEMPLATE \(templateName)")
                return true
            }
            if cloned { return url(admin, database: database) }
            try await adminClient(admin).withConnection { connection in
                try rebuildTemplateIfStale(connection, admin: admin, template: template)
            }
        }
        throw TestDatabaseError.templateKeepsChanging
    }

    /// A client for a database made by `create`.
    public static func client(_ url: String, maxConnections: Int = 4) -> PostgresClient {
        PostgresClient(configuration: PostgresConfiguration(url: url), maxConnections: maxConnections)
    }

    /// A new database (as `create`) and a client of one connection to it: every statement runs in
    /// one session, whose statistics (`ExplainPlan.rowsRead`) and prepared statements
    /// (`pg_prepared_statements`) a plan test reads. Shut the client down when done.
    public static func sessionClient(_ name: String = #function) async throws -> PostgresClient {
        client(try await create(name), maxConnections: 1)
    }

    /// Drops a database made by `create` (connections to it are terminated).
    public static func drop(_ url: String) async throws {
        guard let admin = environmentURL, let name = databaseName(inURL: url) else { return }
        try await adminClient(admin).execute(
            unsafeSQL: "DROP DATABASE IF EXISTS \(PostgresConnection.quoteIdentifier(name)) WITH (FORCE)")
    }

    /// `url` with its database replaced by `database` (URL or conninfo form).
    public static func url(_ url: String, database: String) -> String {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), var components = URLComponents(string: url) {
            components.path = "/" + database
            if let text = components.string { return text }
        }
        return url + " dbname='\(database)'"
    }

    // MARK: Internals

    private static let templateLockKey: Int64 = 0x5357_5445_4D50  // "SWTEMP"
    private static let templateTask = Mutex<Task<TemplateSource, any Error>?>(nil)
    private static let sharedAdminClient = Mutex<PostgresClient?>(nil)

    private static var environmentURL: String? {
        guard let url = ProcessInfo.processInfo.environment["SWITCHYARD_TEST_DATABASE_URL"], !url.isEmpty else {
            return nil
        }
        return url
    }

    private static func adminClient(_ admin: String) -> PostgresClient {
        sharedAdminClient.withLock { client in
            if let client { return client }
            let created = PostgresClient(configuration: PostgresConfiguration(url: admin), maxConnections: 4)
            client = created
            return created
        }
    }

    /// The repository's migrations and their fingerprint.
    private struct TemplateSource: Sendable {
        let migrations: [Migrator.Migration]
        let fingerprint: String
    }

    /// Reads the migrations and makes sure the template holds them, once per process.
    private static func preparedTemplate(admin: String) async throws -> TemplateSource {
        let task = templateTask.withLock { task in
            if let task { return task }
            let created = Task { try await prepareTemplate(admin: admin) }
            task = created
            return created
        }
        return try await task.value
    }

    private static func prepareTemplate(admin: String) async throws -> TemplateSource {
        let migrations = try Migrator.migrations(in: repositoryRoot.appendingPathComponent("migrations"))
        let template = try await adminClient(admin).withConnection { connection in
            var combined: [UInt8] = []
            for migration in migrations {
                combined += Array(migration.name.utf8) + [0] + migration.bytes + [0]
            }
            let fingerprint = "switchyard migrations sha256 " + (try Migrator.sha256Hex(combined, on: connection))
            let template = TemplateSource(migrations: migrations, fingerprint: fingerprint)
            try rebuildTemplateIfStale(connection, admin: admin, template: template)
            return template
        }
        // DROP DATABASE costs a second or more with fsync on: clean up in the background, on a
        // connection of its own, without holding up the tests. What is left is dropped next time.
        Task.detached(priority: .background) {
            let cleaner = PostgresClient(configuration: PostgresConfiguration(url: admin), maxConnections: 1)
            _ = try? await cleaner.withConnection { connection in try dropDatabasesOfEndedProcesses(connection) }
            cleaner.shutdown()
        }
        return template
    }

    /// The template's comment: the fingerprint of the migrations it was built from (nil: no template).
    private static func templateFingerprint(_ connection: PostgresConnection) throws -> String? {
        try connection.query(
            "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
            [templateName]
        ).first?["comment"]
    }

    /// Under the exclusive advisory lock: rebuilds the template unless its comment records
    /// `template.fingerprint`. Blocking; runs on a pool thread.
    private static func rebuildTemplateIfStale(
        _ connection: PostgresConnection, admin: String, template: TemplateSource
    ) throws {
        try connection.query("SELECT pg_advisory_lock($1)", [templateLockKey])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [templateLockKey]) }
        let existing = try connection.query("SELECT 1 FROM pg_database WHERE datname = $1", [templateName])
        if try templateFingerprint(connection) == template.fingerprint { return }
        if !existing.isEmpty {
            try connection.execute(unsafeSQL: "DROP DATABASE \(templateName) WITH (FORCE)")
        }
        try connection.execute(unsafeSQL: "CREATE DATABASE \(templateName)")
        do {
            let database = try PostgresConnection.connect(PostgresConfiguration(url: url(admin, database: templateName)))
            defer { database.close() }
            _ = try Migrator.migrate(template.migrations, on: database)
        } catch {
            _ = try? connection.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(templateName) WITH (FORCE)")
            throw error
        }
        // The fingerprint is hex and fixed text: safe to inline.
        try connection.execute(unsafeSQL: "COMMENT ON DATABASE \(templateName) IS '\(template.fingerprint)'")
    }

    /// Test databases are named `sy_<pid>_...`; those of processes that no longer exist are dropped
    /// (the test cluster is local, so the pid is meaningful).
    private static func dropDatabasesOfEndedProcesses(_ connection: PostgresConnection) throws {
        let rows = try connection.query("SELECT datname FROM pg_database WHERE datname LIKE 'sy\\_%'")
        for row in rows {
            guard let name = row["datname"] else { continue }
            let parts = name.split(separator: "_")
            guard parts.count >= 3, let pid = Int32(parts[1]) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try connection.execute(
                    unsafeSQL: "DROP DATABASE IF EXISTS \(PostgresConnection.quoteIdentifier(name)) WITH (FORCE)")
            }
        }
    }

    /// `sy_<pid>_<sanitised name>_<random>`, at most 63 bytes (PostgreSQL's identifier limit).
    static func databaseName(for name: String) -> String {
        var sanitised = ""
        for scalar in name.lowercased().unicodeScalars {
            if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") {
                sanitised.unicodeScalars.append(scalar)
            } else if !sanitised.isEmpty && !sanitised.hasSuffix("_") {
                sanitised.append("_")
            }
        }
        while sanitised.hasSuffix("_") { sanitised.removeLast() }
        if sanitised.isEmpty { sanitised = "test" }
        let prefix = "sy_\(getpid())_"
        let suffix = "_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let room = 63 - prefix.utf8.count - suffix.utf8.count
        return prefix + String(sanitised.prefix(room)) + suffix
    }

    private static func databaseName(inURL url: String) -> String? {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), let components = URLComponents(string: url) {
            let path = components.path
            return path.count > 1 ? String(path.dropFirst()) : nil
        }
        guard let range = url.range(of: "dbname='", options: .backwards) else { return nil }
        return url[range.upperBound...].split(separator: "'").first.map(String.init)
    }
}

/// Why a test database could not be made.
public enum TestDatabaseError: Error, CustomStringConvertible {
    case missingURL
    case templateKeepsChanging

    public var description: String {
        switch self {
        case .missingURL:
            return "SWITCHYARD_TEST_DATABASE_URL is not set: run scripts/test, or "
                + "export SWITCHYARD_TEST_DATABASE_URL=$(scripts/pg start .local/pg-dev)"
        case .templateKeepsChanging:
            return "\(TestDatabase.templateName) keeps being rebuilt for other migrations by another test process"
        }
    }
}
