import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The account the embedded cluster runs as. `initdb` and `postgres` refuse to run as root, so as
/// root they run as the `postgres` user (created by the Debian package), switched to with `setpriv`.
struct ClusterOwner: Sendable, Equatable {
    /// The database superuser name in the URL: the account's name.
    let name: String
    /// Set when the programs must switch to this account (we are root).
    let switchTo: (uid: uid_t, gid: gid_t)?

    static func == (lhs: ClusterOwner, rhs: ClusterOwner) -> Bool {
        lhs.name == rhs.name && lhs.switchTo?.uid == rhs.switchTo?.uid && lhs.switchTo?.gid == rhs.switchTo?.gid
    }

    /// - Throws: `LocalStackError` when running as root and there is no `postgres` account.
    static func current() throws -> ClusterOwner {
        if getuid() != 0 {
            let name = getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? ProcessInfo.processInfo.userName
            return ClusterOwner(name: name, switchTo: nil)
        }
        guard let entry = getpwnam("postgres") else {
            throw LocalStackError(
                "running as root needs a 'postgres' account for the embedded cluster (initdb refuses root); install the postgresql package or pass --database-url")
        }
        return ClusterOwner(name: "postgres", switchTo: (entry.pointee.pw_uid, entry.pointee.pw_gid))
    }

    /// Whether this account can reach `directory`: every folder above it searchable by it.
    func canReach(_ directory: String) -> Bool {
        guard let (uid, gid) = switchTo else { return true }
        var folder = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            folder = folder.deletingLastPathComponent()
            var info = stat()
            if stat(folder.path, &info) == 0 {
                let mode = info.st_mode
                let searchable = info.st_uid == uid ? mode & S_IXUSR != 0
                    : info.st_gid == gid ? mode & S_IXGRP != 0 : mode & S_IXOTH != 0
                if !searchable { return false }
            }
            if folder.path == "/" { return true }
        }
    }

    /// Makes `directory` (and its parents) and hands it to this account.
    func prepare(_ directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let (uid, gid) = switchTo, chown(directory, uid, gid) != 0 {
            throw LocalStackError("cannot give \(directory) to the postgres account: \(String(cString: strerror(errno)))")
        }
    }

    /// `executable arguments` run as this account, with `pdeathsig` delivered when the parent dies:
    /// `setpriv` sets both and then executes the program in place (same pid). Without `setpriv`
    /// (and not root) the program runs as is.
    func command(_ executable: String, _ arguments: [String], parentDeathSignal: String?) throws -> (String, [String]) {
        guard let setpriv = ExecutableSearch.find("setpriv", path: "/usr/bin:/bin:/usr/sbin:/sbin") else {
            if switchTo != nil { throw LocalStackError("setpriv (util-linux) is needed to run PostgreSQL as the postgres account") }
            return (executable, arguments)
        }
        var prefix: [String] = []
        if let parentDeathSignal { prefix += ["--pdeathsig", parentDeathSignal] }
        if let (uid, gid) = switchTo { prefix += ["--reuid", String(uid), "--regid", String(gid), "--init-groups"] }
        if prefix.isEmpty { return (executable, arguments) }
        return (setpriv, prefix + ["--", executable] + arguments)
    }
}
