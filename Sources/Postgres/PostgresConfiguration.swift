import Foundation

/// Where and how to connect.
public struct PostgresConfiguration: Sendable {
    /// A `postgresql://` URL or a libpq conninfo string (`host=... dbname=...`); nil means libpq's
    /// defaults, i.e. the `PG*` environment variables.
    public var url: String?
    /// Shown in `pg_stat_activity`; the URL's own `application_name` wins.
    public var applicationName: String = "switchyard"
    /// Seconds libpq waits for one connection attempt (libpq's `connect_timeout`); the URL's own wins.
    public var connectTimeoutSeconds: Int = 10
    /// How long a call keeps retrying to connect while the server is unreachable or starting up
    /// (e.g. during a restart) before it throws. 0 tries once.
    public var reconnectWaitMs: Int = 2_000
    /// Prepared statements kept per connection, keyed by SQL text. 0 disables preparing
    /// (every query is sent with PQexecParams).
    public var statementCacheCapacity: Int = 256
    /// Server settings sent at connect time (libpq's `options`). Timestamp decoding relies on ISO
    /// output; set nil for poolers that reject startup options (PgBouncer) when the server's
    /// DateStyle is already ISO (the default).
    public var startupOptions: String? = "-c DateStyle=ISO,YMD"
    /// TCP keepalive idle seconds (libpq's `keepalives_idle`), so a connection whose peer vanished
    /// without a FIN (a listener waiting for NOTIFY, say) is noticed within about a minute. 0 keeps
    /// the system default.
    public var keepaliveIdleSeconds: Int = 30

    /// - Parameter url: a `postgresql://` URL or libpq conninfo string; nil → libpq defaults (PG* variables).
    public init(url: String?) {
        if let url, !url.isEmpty { self.url = url } else { self.url = nil }
    }

    /// The first non-empty of: `explicit`, `SWITCHYARD_DATABASE_URL`, `DATABASE_URL`; else libpq's
    /// `PG*` variables.
    public static func fromEnvironment(explicit: String?) -> PostgresConfiguration {
        let environment = ProcessInfo.processInfo.environment
        for candidate in [explicit, environment["SWITCHYARD_DATABASE_URL"], environment["DATABASE_URL"]] {
            if let candidate, !candidate.isEmpty { return PostgresConfiguration(url: candidate) }
        }
        return PostgresConfiguration(url: nil)
    }

    /// The keyword/value pairs handed to `PQconnectdbParams`. Ours come before `dbname` so that
    /// values in the URL override them (libpq: later entries win, and an expanded dbname sits at its
    /// position in the array).
    var connectionParameters: [(String, String)] {
        var parameters: [(String, String)] = [
            ("application_name", applicationName),
            ("connect_timeout", String(max(connectTimeoutSeconds, 1))),
        ]
        if let startupOptions, !startupOptions.isEmpty { parameters.append(("options", startupOptions)) }
        if keepaliveIdleSeconds > 0 {
            parameters += [
                ("keepalives", "1"), ("keepalives_idle", String(keepaliveIdleSeconds)),
                ("keepalives_interval", "10"), ("keepalives_count", "3"),
            ]
        }
        if let url { parameters.append(("dbname", url)) }
        return parameters
    }
}
