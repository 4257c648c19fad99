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
            Prints the key alone on stdout (KEY=$(switchyard clients create NAME)); --json: {"id","name","key"}.
            Over a quota, POST /v1/jobs and /v1/chat/completions answer 429 with Retry-After and
            x-ratelimit-*-tokens headers and enqueue nothing; a Batch API batch that does not fit fails
            with token_limit_exceeded when it is validated. See docs/API.md ("Quotas").
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
            // Only the key on stdout, so KEY=$(switchyard clients create NAME) works.
            let quota = [tpm.map { "tpm \($0)" }, tpd.map { "tpd \($0)" }].compactMap { $0 }
            printError("client \(created.id) \(created.name)\(created.isAdmin ? " (admin)" : "")"
                + (quota.isEmpty ? "" : " (\(quota.joined(separator: ", ")))")
                + ": its key is shown only now; it is stored as its sha256")
            print(created.key)
        }
        return 0
    }
}
