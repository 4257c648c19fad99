import Foundation
import Worker

/// The PostgreSQL server programs (`initdb`, `postgres`) of this machine. They are often not on
/// PATH (Debian keeps them in /usr/lib/postgresql/MAJOR/bin): look where `pg_config --bindir`
/// says, then there.
struct PostgresInstallation: Sendable, Equatable {
    let binDirectory: String
    /// The major version, e.g. 15 (nil when it cannot be told).
    let major: Int?

    var initdb: String { binDirectory + "/initdb" }
    var postgres: String { binDirectory + "/postgres" }

    /// Every installation found, newest first.
    static func all() async -> [PostgresInstallation] {
        var found: [PostgresInstallation] = []
        func add(_ directory: String, major: Int?) {
            let resolved = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
            guard FileManager.default.isExecutableFile(atPath: resolved + "/initdb"),
                FileManager.default.isExecutableFile(atPath: resolved + "/postgres"),
                !found.contains(where: { $0.binDirectory == resolved })
            else { return }
            found.append(PostgresInstallation(binDirectory: resolved, major: major))
        }
        if let pgConfig = ExecutableSearch.find("pg_config") {
            let bindir = await CommandOutput.run(pgConfig, ["--bindir"])
            let version = await CommandOutput.run(pgConfig, ["--version"])
            if let bindir, !bindir.isEmpty { add(bindir, major: version.flatMap(majorVersion(ofVersionLine:))) }
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for version in versions { add("\(root)/\(version)/bin", major: version) }
        if let initdb = ExecutableSearch.find("initdb") {
            add(URL(fileURLWithPath: initdb).deletingLastPathComponent().path, major: nil)
        }
        return found.sorted { ($0.major ?? 0) > ($1.major ?? 0) }
    }

    /// `PostgreSQL 15.8 (Debian 15.8-0+deb12u1)` → 15.
    static func majorVersion(ofVersionLine line: String) -> Int? {
        let words = line.split(separator: " ")
        guard let index = words.firstIndex(of: "PostgreSQL"), index + 1 < words.count else { return nil }
        return Int(words[index + 1].split(separator: ".").first ?? "")
    }
}
