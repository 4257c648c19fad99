import Foundation

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
