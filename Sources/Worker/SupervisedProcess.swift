#if canImport(Glibc)
import Glibc
#endif

/// One process a ``ProcessSupervisor`` keeps running: how to start it, and how to stop it.
public struct SupervisedProcess: Sendable {
    /// Unique within a supervisor, e.g. `worker-llm-1`; used in events and logs.
    public var name: String
    public var options: Subprocess.Options
    /// Start it again after a crash (an exit code other than 0, or a signal). A process that
    /// exits 0 by itself (a `--drain` worker with nothing left) is done either way.
    public var restartOnFailure: Bool
    /// Asks it to stop gracefully; a second request sends it again (a worker then releases its jobs at once).
    public var stopSignal: Int32

    public init(name: String, options: Subprocess.Options, restartOnFailure: Bool = true, stopSignal: Int32 = SIGTERM) {
        self.name = name
        self.options = options
        self.restartOnFailure = restartOnFailure
        self.stopSignal = stopSignal
    }
}
