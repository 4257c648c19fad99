import Foundation
import Testing
import TestSupport

/// A `switchyard serve --port 0` process and the port it printed.
struct ServeProcess {
    let process: ChildProcess
    let port: Int

    static func start(databaseURL url: String, _ extra: [String] = []) async throws -> ServeProcess {
        let serve = try ChildProcess(switchyardBinary, ["serve", "--port", "0", "--database-url", url] + extra)
        var port: Int?
        for _ in 0..<200 where port == nil {
            if let line = serve.standardOutput.split(separator: "\n").first(where: { $0.hasPrefix("serve listening on ") }) {
                port = line.split(separator: ":").last.flatMap { Int($0) }
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let bound = try #require(port, "serve printed: \(serve.standardOutput) \(serve.standardError)")
        return ServeProcess(process: serve, port: bound)
    }
}
