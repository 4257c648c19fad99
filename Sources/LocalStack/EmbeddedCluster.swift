import Foundation
import Gateway
import Postgres
import Worker

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster for `switchyard up`, in a folder of its own (`.local/up/postgres`):
/// made with `initdb` on first use and reused afterwards, on the port of its last start when that
/// is still free. The server runs in the foreground as a child of this process (never daemonized):
/// it gets SIGINT (fast shutdown) when this process dies, however it dies, so nothing is left running.
///
/// Layout of the folder: `data/` (the cluster), `port` (last port), `server.log`, `initdb.log`.
public final class EmbeddedCluster: Sendable {
    /// The folder in use (may differ from the one asked for: see ``start(directory:log:)``).
    public let directory: String
    public let port: Int
    /// The superuser name (the account the server runs as).
    public let user: String
    private let server: Subprocess

    private init(directory: String, port: Int, user: String, server: Subprocess) {
        self.directory = directory
        self.port = port
        self.user = user
        self.server = server
    }

    /// The URL of database `database` in this cluster (trust authentication on 127.0.0.1).
    public func url(database: String = "postgres") -> String {
        "postgresql://\(user)@127.0.0.1:\(port)/\(database)"
    }

    public var pid: pid_t { server.pid }
    public var serverLog: String { directory + "/server.log" }

    /// Makes (first time) and starts the cluster, and waits until it accepts connections.
    ///
    /// - Parameters:
    ///   - directory: where the cluster lives. As root the server runs as `postgres`, which must be
    ///     able to reach the folder; when it cannot (a folder under root's private home), a folder
    ///     under /tmp named after this one is used instead, and reported through `log`.
    ///   - log: progress lines for people.
    /// - Throws: ``LocalStackError`` saying what is missing or what the server printed.
    public static func start(directory requested: String, log: @Sendable (String) -> Void) async throws -> EmbeddedCluster {
        let owner = try ClusterOwner.current()
        var directory = URL(fileURLWithPath: requested).standardizedFileURL.path
        if !owner.canReach(directory) {
            let hash = SHA256.hexDigest(directory).prefix(12)
            let fallback = "/tmp/switchyard-up-\(hash)/postgres"
            log("the postgres account cannot reach \(directory) (a private parent folder); using \(fallback)")
            directory = fallback
            try owner.prepare(URL(fileURLWithPath: fallback).deletingLastPathComponent().path)
        }
        try owner.prepare(directory)
        let data = directory + "/data"
        let existingMajor = (try? String(contentsOfFile: data + "/PG_VERSION", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let installation = try await pickInstallation(forMajor: existingMajor, data: data)

        if existingMajor == nil {
            log("creating a PostgreSQL \(installation.major.map(String.init) ?? "") cluster in \(data) (once; reused next time)")
            let initLog = directory + "/initdb.log"
            let (executable, arguments) = try owner.command(
                installation.initdb, ["-D", data, "-U", owner.name, "-A", "trust", "-E", "UTF8", "--no-locale"],
                parentDeathSignal: "KILL")
            var options = Subprocess.Options(executable: executable, arguments: arguments, outputPath: initLog)
            options.truncateOutput = true
            let initdb = try await Subprocess.start(options)
            let ended = await initdb.wait(timeoutMs: 300_000)
            guard ended?.isSuccess == true else {
                throw LocalStackError("initdb failed (\(ended.map { "\($0)" } ?? "timed out")):\n\(LogFile(path: initLog).tail())")
            }
        }
        if let running = runningPostmaster(data: data) {
            throw LocalStackError(
                "the cluster in \(data) is already running (postmaster pid \(running)): another 'switchyard up' uses it; stop that one first")
        }

        // The port of the last start when it is still free, so URLs handed out stay valid.
        let portFile = directory + "/port"
        var port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if let previous = port, !LocalPort.isFree(previous) { port = nil }
        guard let chosen = port ?? LocalPort.free() else { throw LocalStackError("no free TCP port on 127.0.0.1") }
        try "\(chosen)\n".write(toFile: portFile, atomically: true, encoding: .utf8)

        let (executable, arguments) = try owner.command(
            installation.postgres,
            ["-D", data, "-p", String(chosen), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
             "-c", "max_connections=300", "-c", "shared_buffers=128MB", "-c", "log_min_messages=warning",
             "-c", "log_timezone=UTC"],
            parentDeathSignal: "INT")
        let server = try await Subprocess.start(Subprocess.Options(executable: executable, arguments: arguments, outputPath: directory + "/server.log"))
        let cluster = EmbeddedCluster(directory: directory, port: chosen, user: owner.name, server: server)
        do {
            try await cluster.waitUntilReady(timeoutMs: 60_000)
        } catch {
            await cluster.stop()
            throw error
        }
        return cluster
    }

    /// Creates `name` unless it exists; with `recreate`, drops it first (connections closed).
    public func createDatabase(_ name: String, recreate: Bool = false) async throws {
        let admin = PostgresClient(configuration: PostgresConfiguration(url: url()), maxConnections: 1)
        defer { admin.shutdown() }
        let quoted = PostgresConnection.quoteIdentifier(name)
        if recreate { try await admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(quoted) WITH (FORCE)") }
        let exists = try await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])
        if exists.isEmpty { try await admin.execute(unsafeSQL: "CREATE DATABASE \(quoted)") }
    }

    /// Fast shutdown (SIGINT: sessions are ended, then a checkpoint); SIGQUIT after 30 s, SIGKILL after 40 s.
    public func stop() async {
        server.send(SIGINT)
        if await server.wait(timeoutMs: 30_000) != nil { return }
        server.send(SIGQUIT)
        if await server.wait(timeoutMs: 10_000) != nil { return }
        server.send(SIGKILL, group: true)
        _ = await server.wait()
    }

    private func waitUntilReady(timeoutMs: Int) async throws {
        var configuration = PostgresConfiguration(url: url())
        configuration.connectTimeoutSeconds = 2
        let start = ContinuousClock.now
        while true {
            if let ended = server.poll() {
                throw LocalStackError("PostgreSQL exited during start (\(ended)):\n\(LogFile(path: serverLog).tail())")
            }
            let probe = PostgresClient(configuration: configuration, maxConnections: 1)
            let ready = (try? await probe.query("SELECT 1")) != nil
            probe.shutdown()
            if ready { return }
            if ContinuousClock.now - start > .milliseconds(timeoutMs) {
                throw LocalStackError("PostgreSQL did not accept connections within \(timeoutMs / 1_000) s:\n\(LogFile(path: serverLog).tail())")
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Picks the installation matching an existing cluster's major version, else the newest.
    private static func pickInstallation(forMajor major: Int?, data: String) async throws -> PostgresInstallation {
        let installations = await PostgresInstallation.all()
        guard let newest = installations.first else {
            throw LocalStackError("no PostgreSQL server programs (initdb, postgres) found in $(pg_config --bindir) or /usr/lib/postgresql/*/bin: run scripts/bootstrap (apt install postgresql) or pass --database-url")
        }
        guard let major else { return newest }
        if let match = installations.first(where: { $0.major == major }) { return match }
        if let unknown = installations.first(where: { $0.major == nil }) { return unknown }
        throw LocalStackError(
            "the cluster in \(data) was made by PostgreSQL \(major), but only \(installations.compactMap(\.major).map(String.init).joined(separator: ", ")) is installed: remove \(data) to start afresh")
    }

    /// The pid in `postmaster.pid` when that process is still a running `postgres` (not a reused pid).
    private static func runningPostmaster(data: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first, let pid = pid_t(first.trimmingCharacters(in: .whitespaces)), pid > 0,
            let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        else { return nil }
        // `pid (comm) state ...`: a zombie is not running.
        guard status.contains("(postgres)"), let close = status.lastIndex(of: ")"),
            status[status.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
        else { return nil }
        return pid
    }
}
