import Foundation
import Gateway
import Providers

/// The gateway config `up` applies: the file as written, except that loopback base URLs of the
/// mock provider follow the port it really got, and the real config's Azure placeholder endpoint
/// takes `AZURE_OPENAI_ENDPOINT` when that is set.
struct LocalConfig: Sendable {
    let path: String
    let bytes: [UInt8]
    /// Things a person should know (a rewritten URL, a placeholder left in place).
    let notes: [String]

    /// The port the example configs expect the mock provider on.
    static let standardMockPort = 9100

    /// - Throws: ``LocalStackError`` when the file cannot be read or is not a valid config (every problem with its path).
    static func prepare(path: String, mockPort: Int?, environment: [String: String]) throws -> LocalConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw LocalStackError("cannot read the config \(path)") }
        var document: JSONValue
        do {
            document = try JSONValue.parse(Array(data))
        } catch {
            throw LocalStackError("the config \(path) is not JSON (byte \(error.offset)): \(error.message)")
        }
        var notes: [String] = []
        var changed = false
        if case .object(var root) = document, case .array(var providers) = root["providers"] ?? .null {
            for index in providers.indices {
                guard case .object(var provider) = providers[index] else { continue }
                let name = provider["name"]?.stringValue ?? "provider \(index)"
                let rewrite = { (url: String) -> String? in
                    rewritten(url, mockPort: mockPort, environment: environment, provider: name, notes: &notes)
                }
                if let url = provider["base_url"]?.stringValue, let new = rewrite(url) {
                    provider["base_url"] = .string(new)
                    changed = true
                }
                if case .array(var endpoints) = provider["endpoints"] ?? .null {
                    for endpointIndex in endpoints.indices {
                        guard case .object(var endpoint) = endpoints[endpointIndex],
                            let url = endpoint["base_url"]?.stringValue, let new = rewrite(url)
                        else { continue }
                        endpoint["base_url"] = .string(new)
                        endpoints[endpointIndex] = .object(endpoint)
                        changed = true
                    }
                    provider["endpoints"] = .array(endpoints)
                }
                providers[index] = .object(provider)
            }
            root["providers"] = .array(providers)
            document = .object(root)
        }
        do {
            _ = try GatewayConfig.decode(document)
        } catch {
            throw LocalStackError("the config \(path) is invalid:\n" + error.issues.map { "  \($0)" }.joined(separator: "\n"))
        }
        return LocalConfig(path: path, bytes: changed ? document.serialized() : Array(data), notes: Array(Set(notes)).sorted())
    }

    /// The new base URL, or nil to keep it.
    private static func rewritten(
        _ url: String, mockPort: Int?, environment: [String: String], provider: String, notes: inout [String]
    ) -> String? {
        if let mockPort, mockPort != standardMockPort {
            for host in ["127.0.0.1", "localhost"] where url.contains("://\(host):\(standardMockPort)") {
                notes.append("mock provider URLs rewritten from port \(standardMockPort) to \(mockPort)")
                return url.replacingOccurrences(of: "://\(host):\(standardMockPort)", with: "://\(host):\(mockPort)")
            }
        }
        if url.contains("YOUR-RESOURCE") {
            if let endpoint = environment["AZURE_OPENAI_ENDPOINT"]?.trimmingCharacters(in: .whitespacesAndNewlines), !endpoint.isEmpty {
                notes.append("\(provider): endpoint from AZURE_OPENAI_ENDPOINT")
                return endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            }
            if environment["AZURE_OPENAI_API_KEY"] != nil {
                notes.append("\(provider): the config's endpoint is the placeholder \(url); set AZURE_OPENAI_ENDPOINT=https://<resource>.openai.azure.com")
            }
        }
        return nil
    }
}
