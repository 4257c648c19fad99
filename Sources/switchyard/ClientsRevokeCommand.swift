import API

/// `switchyard clients revoke ID`: the client's key stops working at once; its jobs stay.
enum ClientsRevokeCommand: Command {
    static let spec = CommandSpec(
        name: "clients revoke",
        summary: "Revoke an API client's key",
        arguments: "ID",
        options: [.databaseURL])

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        guard arguments.positionals.count == 1, let id = Int64(arguments.positionals[0]), id > 0 else {
            throw UsageError("'switchyard clients revoke' takes exactly one client ID (a positive integer)")
        }
        let client = DatabaseOptions.client(arguments, maxConnections: 1)
        defer { client.shutdown() }
        guard try await ClientKeyStore(client: client).revoke(id: id) else {
            throw CommandFailure("no client \(id)")
        }
        print("client \(id) revoked")
        return 0
    }
}
