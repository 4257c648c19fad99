import Foundation

/// The `switchyard` executable the tests run: `.build/debug/switchyard`, built by
/// `swift build --build-tests` (SWITCHYARD_BINARY overrides).
public var switchyardBinary: String {
    if let path = ProcessInfo.processInfo.environment["SWITCHYARD_BINARY"], !path.isEmpty { return path }
    return TestDatabase.repositoryRoot.appendingPathComponent(".build/debug/switchyard").path
}
