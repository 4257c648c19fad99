import Foundation

/// Files that ship in the repository (migrations, example configs, worker pool files) as the
/// `switchyard` executable finds them: relative to the current directory first, else in the
/// checkout the running executable was built in (`<repo>/.build/<triple>/release/switchyard`).
public enum SourceCheckout {
    /// The first existing `relativePath` (file or folder) in the current directory or the checkout.
    public static func locate(_ relativePath: String) -> URL? {
        let fileManager = FileManager.default
        let local = URL(fileURLWithPath: fileManager.currentDirectoryPath).appendingPathComponent(relativePath)
        if fileManager.fileExists(atPath: local.path) { return local }
        guard let root else { return nil }
        let candidate = root.appendingPathComponent(relativePath)
        return fileManager.fileExists(atPath: candidate.path) ? candidate : nil
    }

    /// The repository the running executable was built in: the nearest folder above it holding `Package.swift`.
    public static var root: URL? {
        let fileManager = FileManager.default
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var folder = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" && !folder.path.isEmpty {
            if fileManager.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) { return folder }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }
}
