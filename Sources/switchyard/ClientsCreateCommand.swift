import API
import Foundation

/// `switchyard clients create NAME`: a new API client; its key is printed once and stored only as sha256.
enum ClientsCreateCommand: Command {
    static let spec = CommandSpec(
        name: "clients create",
        summary: "Create an API client and print its key (shown once)",
        arguments: "NAME",
        options: [
            .flag("--admin", "The client may use admin routes"),
            .value("--tpm", "N", "Token quota per UTC minute (default: none)"),
            .value("--tpd", "N", "Token quota per UTC day (default: none)"),
            .json,
            .databaseURL,
        ],
        discussion: """
            Over a quota, POST /v1/jobs and /v1/chat/completions answer 429 with Retry-After and
            x-ratelimit-*-tokens headers and enqueue nothing. See docs/API.md ("Quotas").
            """)

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        guard arguments.positionals.count == 1, let name = arguments.positionals.first,
              !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw UsageError("'switchyard clients create' takes exactly one NAME")
        }
        let tpm = try arguments.int("--tpm", range: 1...Int.max)
        let tpd = try arguments.int("--tpd", range: 1...Int.max)
        let client = DatabaseOptions.client(arguments, maxConnections: 1)
        defer { client.shutdown() }
        let created = try await ClientKeyStore(client: client).create(
            name: name, admin: arguments.flag("--admin"), tpm: tpm, tpd: tpd)
        if arguments.flag("--json") {
            let object: [String: Any] = ["id": String(created.id), "name": created.name, "key": created.key]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("client \(created.id) \(created.name)\(created.isAdmin ? " (admin)" : "")")
            print("key: \(created.key)")
            print("The key is shown only now; it is stored as its sha256.")
        }
        return 0
    }
}
