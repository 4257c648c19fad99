#if canImport(Glibc)
import Glibc
#endif

/// When SWITCHYARD_PARENT_DEATH_SIGNAL is set (tests set it on the processes they spawn), asks the
/// kernel to SIGKILL this process when its parent dies, so a failed test leaves nothing running.
enum ParentDeathSignal {
    static func applyIfRequested() {
        #if os(Linux)
        guard let value = getenv("SWITCHYARD_PARENT_DEATH_SIGNAL"), value.pointee != 0 else { return }
        // prctl is variadic in C, which Swift cannot call; take it as a fixed-arity function. On
        // x86_64 and arm64 integer arguments travel in the same registers either way.
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(nil, "prctl") else { return }  // nil is RTLD_DEFAULT
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        _ = prctl(1 /* PR_SET_PDEATHSIG */, UInt(SIGKILL), 0, 0, 0)
        // The parent may already be gone (we were reparented before the call took effect).
        if getppid() == 1 { exit(1) }
        #endif
    }
}
