/// Counts of a batch's requests by state.
public struct BatchProgress: Sendable, Equatable {
    public var status: BatchStatus
    public var total: Int
    public var succeeded: Int
    public var failed: Int
    public var cancelled: Int
    public var running: Int

    /// Requests that reached a terminal state.
    public var finished: Int { succeeded + failed + cancelled }
}
