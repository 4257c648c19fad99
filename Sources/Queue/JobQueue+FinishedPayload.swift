extension JobQueue {
    /// The longest payload put in one NOTIFY on `finishedChannel` (PostgreSQL refuses 8,000 bytes
    /// and more).
    static let maxFinishedPayloadBytes = 7_900

    /// NOTIFY payloads naming the jobs in `ids` as comma-separated decimal ids, as few as fit
    /// under `maxFinishedPayloadBytes` each.
    public static func finishedPayloads(_ ids: [Int64]) -> [String] {
        var payloads: [String] = []
        var current = ""
        for id in ids {
            let text = String(id)
            if !current.isEmpty && current.utf8.count + 1 + text.utf8.count > maxFinishedPayloadBytes {
                payloads.append(current)
                current = ""
            }
            if !current.isEmpty { current.append(",") }
            current.append(text)
        }
        if !current.isEmpty { payloads.append(current) }
        return payloads
    }

    /// The job ids a `finishedChannel` or `jobsChannel` payload names, or `nil` when it names none:
    /// an empty payload means "some jobs" (listeners re-check every job they wait for, workers claim
    /// through the claim index), and anything unreadable counts the same.
    public static func jobIDs(payload: String) -> [Int64]? {
        if payload.isEmpty { return nil }
        var ids: [Int64] = []
        for part in payload.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            guard let id = Int64(Substring(part)), id > 0 else { return nil }
            ids.append(id)
        }
        return ids.isEmpty ? nil : ids
    }
}
