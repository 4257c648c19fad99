import Foundation
import Postgres

/// CPU time for the benchmarks' per-job and per-request figures: steadier than wall-clock rates
/// on a shared machine, and they say where the time goes (this process or PostgreSQL).
enum BenchCPU {
    /// User + system CPU time of this process so far.
    static func processMicroseconds() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000 + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec
    }

    /// CPU time used so far by the PostgreSQL backends serving this database (serve's and the
    /// worker's connections), read from /proc; nil when the server is not on this machine.
    static func backendMicroseconds(_ client: PostgresClient) async throws -> Int? {
        let rows = try await client.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        var total = 0
        var found = false
        let ticks = Int(sysconf(Int32(_SC_CLK_TCK)))
        for pid in rows.compactMap({ $0.int("pid") }) {
            // Fields 14 and 15 of /proc/PID/stat (after the parenthesised name) are utime and stime.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { continue }
            total += (user + system) * 1_000_000 / max(1, ticks)
            found = true
        }
        return found ? total : nil
    }
}
