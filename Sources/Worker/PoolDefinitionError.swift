import Gateway

/// Everything wrong with a pool file, each problem at its JSON path
/// (`workers/pool.json: groups[0].count: expected an integer in 1...256, found 0`).
public struct PoolDefinitionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file, when the definition came from one.
    public var file: String?
    public var issues: [GatewayConfigError.Issue]

    public init(file: String? = nil, issues: [GatewayConfigError.Issue]) {
        self.file = file
        self.issues = issues
    }

    /// One line per issue, each prefixed with the file.
    public var description: String {
        issues.map { issue in (file.map { "\($0): " } ?? "") + issue.description }.joined(separator: "\n")
    }
}
