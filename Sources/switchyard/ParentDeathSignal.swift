#if canImport(Glibc)
import Glibc
#endif

/// When SWITCHYARD_PARENT_DEATH_SIGNAL is set (tests set it on the processes they spawn, `pool` and
/// `up` on their children), asks the kernel to signal this process when its parent dies, so nothing
/// is left running: `1` or `KILL` for SIGKILL, `TERM` for SIGTERM (a worker then drains), `INT`.
enum ParentDeathSignal {
    static func applyIfRequested() {
        #if os(Linux)
        guard let value = getenv("SWITCHYARD_PARENT_DEATH_SIGNAL"), value.pointee != 0 else { return }
        let signalNumber: Int32
        switch String(cString: value).uppercased() {
        case "TERM", "SIGTERM": signalNumber = SIGTERM
        case "INT", "SIGINT": signalNumber = SIGINT
        default: signalNumber = SIGKILL
        }
        // prctl is variadic in C, which Swift cannot call; take it as a fixed-arity function. On
        // x86_64 and arm64 integer arguments travel in the same registers either way.
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(nil, "prctl") else { return }  // nil is RTLD_DEFAULT
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        _ = prctl(1 /* PR_SET_PDEATHSIG */, UInt(signalNumber), 0, 0, 0)
        // The parent may already be gone (we were reparented before the call took effect). A
        // supervisor names itself in SWITCHYARD_PARENT_PID, so one running as pid 1 (a container's
        // entrypoint) is told apart from init adopting an orphan.
        if let expected = getenv("SWITCHYARD_PARENT_PID").flatMap({ Int32(String(cString: $0)) }) {
            if getppid() != expected { exit(1) }
        } else if getppid() == 1 {
            exit(1)
        }
        #endif
    }
}
