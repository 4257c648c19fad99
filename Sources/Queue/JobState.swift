/// Where a job is in its lifecycle (DESIGN.md "Job lifecycle"); the raw values are the contract's.
public enum JobState: String, Sendable, CaseIterable, Codable {
    case queued, running, succeeded, failed, cancelled

    /// Succeeded, failed and cancelled are final: nothing writes to the job afterwards.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: true
        case .queued, .running: false
        }
    }
}
