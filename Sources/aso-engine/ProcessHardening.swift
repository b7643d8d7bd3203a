import CProcessHardening
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What long-running commands (the daemon) set up before they hold a master key in memory.
enum ProcessHardening {
    /// No core dumps (a dump would hold the master key and unsealed values), and a
    /// broken pipe to a sink's command is an error to handle, not a reason to die.
    static func apply() {
        signal(SIGPIPE, SIG_IGN)
        #if canImport(Glibc)
            var none = rlimit(rlim_cur: 0, rlim_max: 0)
            _ = setrlimit(Int32(RLIMIT_CORE.rawValue), &none)
        #endif
        _ = aso_set_not_dumpable()
    }
}
