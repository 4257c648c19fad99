/// When a crashed process starts again: exponential backoff from `initialBackoffMs` up to
/// `maxBackoffMs`, starting over once a process has stayed up `resetAfterMs`.
public struct RestartPolicy: Sendable, Hashable {
    public var initialBackoffMs: Int
    public var maxBackoffMs: Int
    public var resetAfterMs: Int

    public init(initialBackoffMs: Int = 500, maxBackoffMs: Int = 30_000, resetAfterMs: Int = 60_000) {
        self.initialBackoffMs = initialBackoffMs
        self.maxBackoffMs = max(maxBackoffMs, initialBackoffMs)
        self.resetAfterMs = resetAfterMs
    }
}
