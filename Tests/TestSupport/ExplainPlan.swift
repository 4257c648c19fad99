import Foundation
import Postgres

/// Reads an `EXPLAIN (FORMAT JSON)` text, for tests that pin a statement's plan.
public enum ExplainPlan {
    /// Every plan node, depth first.
    public static func nodes(in plan: String) -> [[String: Any]] {
        guard let top = try? JSONSerialization.jsonObject(with: Data(plan.utf8)) as? [[String: Any]],
              let root = top.first?["Plan"] as? [String: Any] else { return [] }
        var out: [[String: Any]] = []
        var stack = [root]
        while let node = stack.popLast() {
            out.append(node)
            stack += (node["Plans"] as? [[String: Any]]) ?? []
        }
        return out
    }

    /// The nodes that read `table` (scans, not the node that modifies it).
    public static func scans(of table: String, in plan: String) -> [[String: Any]] {
        nodes(in: plan).filter { $0["Relation Name"] as? String == table && $0["Node Type"] as? String != "ModifyTable" }
    }
}

extension ExplainPlan {
    /// Rows of `switchyard.<table>` read so far: by sequential scans (`seq_tup_read`) plus the
    /// index entries returned by its indexes (`idx_tup_read`), so a plan that walks a whole index
    /// (a merge or hash join fed by an index scan without a condition) counts like a sequential
    /// scan. Flushes this session's statistics first, so give the client one connection: the
    /// statements being checked then ran in this session too.
    public static func rowsRead(of table: String, on client: PostgresClient) async throws -> Int {
        try await client.query("SELECT pg_stat_force_next_flush()")
        try await client.query("SELECT 1")  // the flush happens when the backend goes idle
        try await client.query("SELECT pg_stat_clear_snapshot()")
        return try await client.query("""
            SELECT (coalesce(t.seq_tup_read, 0)
                    + coalesce((SELECT sum(i.idx_tup_read) FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0))::bigint AS n
            FROM pg_stat_user_tables t WHERE t.schemaname = 'switchyard' AND t.relname = $1
            """, [table])[0].int("n") ?? -1
    }
}
