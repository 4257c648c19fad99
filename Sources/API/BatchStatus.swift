/// The status of a batch, as the OpenAI Batch API names it (`switchyard.batches.status`).
///
/// `validating` → `in_progress` → `finalizing` → `completed`; `failed` when the input file is
/// rejected; `expired` when the completion window passed first; `cancelling` → `cancelled`.
public enum BatchStatus: String, Sendable, CaseIterable {
    case validating
    case failed
    case inProgress = "in_progress"
    case finalizing
    case completed
    case expired
    case cancelling
    case cancelled

    /// No further change: the output and error files (if any) are written.
    public var isTerminal: Bool {
        switch self {
        case .failed, .completed, .expired, .cancelled: true
        case .validating, .inProgress, .finalizing, .cancelling: false
        }
    }

    /// The statuses a batch service still has to move on, as a SQL list.
    static let openSQL = "('validating', 'in_progress', 'finalizing', 'cancelling')"
}
