import Foundation
import Worker

/// A child's log file as `up` reads it: waiting for a line that says the child is ready, and the
/// last lines to show when it is not.
struct LogFile: Sendable {
    let path: String

    /// The file's text from byte `offset` on ("" when it cannot be read).
    func text(from offset: Int = 0) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(offset))
        let data = (try? handle.readToEnd()) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The size now, to read only what is written after it.
    var size: Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// The last `count` lines.
    func tail(_ count: Int = 15) -> String {
        text().split(separator: "\n", omittingEmptySubsequences: false).suffix(count).joined(separator: "\n")
    }

    /// Waits for a line after `offset` containing `marker`, while `isAlive` says the writer runs.
    /// - Returns: the first such line, or nil when the writer ended or `timeoutMs` passed.
    func waitForLine(containing marker: String, after offset: Int = 0, timeoutMs: Int,
                     isAlive: @Sendable () -> Bool) async -> String? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .milliseconds(timeoutMs) {
            if let line = text(from: offset).split(separator: "\n").first(where: { $0.contains(marker) }) {
                return String(line)
            }
            if !isAlive() { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Truncates the file (creating it), so a new run's log starts empty.
    func reset() {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
    }
}
