import Foundation
import Worker

#if canImport(Glibc)
import Glibc
#endif

/// Runs a short command to completion and returns its trimmed output.
enum CommandOutput {
    /// - Returns: standard output and error, trimmed; nil when it could not start or did not exit 0.
    static func run(_ executable: String, _ arguments: [String], timeoutMs: Int = 30_000) async -> String? {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        var options = Subprocess.Options(executable: executable, arguments: arguments, outputPath: output)
        options.truncateOutput = true
        guard let process = try? await Subprocess.start(options) else { return nil }
        guard let termination = await process.wait(timeoutMs: timeoutMs) else {
            process.send(SIGKILL, group: true)
            _ = await process.wait()
            return nil
        }
        guard termination.isSuccess else { return nil }
        return LogFile(path: output).text().trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
