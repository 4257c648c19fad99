/// Everything wrong with a config file, each problem at its JSON path
/// (`routes[1].targets[0].deployment: unknown deployment "gpt-5"`). A config with any issue is
/// rejected whole: nothing partial is ever applied.
public struct GatewayConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Issue: Sendable, Hashable, CustomStringConvertible {
        /// `providers[0].endpoints[1].base_url`; `(root)` for the document itself.
        public var path: String
        /// What was expected and what was found. Never contains a key's value.
        public var message: String

        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }

        public var description: String { "\(path): \(message)" }
    }

    public var issues: [Issue]

    public init(issues: [Issue]) {
        self.issues = issues
    }

    /// One line per issue, in document order.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
