enum VersionCommand: Command {
    static let version = "0.1.0"
    static let spec = CommandSpec(name: "version", summary: "Print the version")
    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        print("switchyard \(version)")
        return 0
    }
}
