import Synchronization

/// What one request's log line learns while its handler runs: the request id (set before), and the
/// client, job and (only with `logPrompts`) prompt the handler fills in. Reached through the task
/// local ``current``, so handlers need no extra parameter.
final class RequestContext: Sendable {
    struct Details: Sendable {
        var clientID: Int64?
        var jobID: Int64?
        var prompt: String?
        /// Added to the response, whatever it is (e.g. `x-ratelimit-*` after quota admission).
        var responseHeaders: [(String, String)] = []
    }

    @TaskLocal static var current: RequestContext?

    let requestID: String
    private let state = Mutex(Details())

    init(requestID: String) {
        self.requestID = requestID
    }

    var details: Details { state.withLock { $0 } }

    static func setClient(_ id: Int64) { current?.state.withLock { $0.clientID = id } }
    static func setJob(_ id: Int64) { current?.state.withLock { $0.jobID = id } }
    static func setPrompt(_ text: String) { current?.state.withLock { $0.prompt = text } }
    static func addResponseHeaders(_ headers: [(String, String)]) {
        current?.state.withLock { $0.responseHeaders += headers }
    }
}
