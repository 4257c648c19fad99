import Foundation
import Postgres

enum MigrateCommand: Command {
    static let spec = CommandSpec(
        name: "migrate", summary: "Apply the database migrations that are not applied yet",
        options: [
            .databaseURL,
            .value("--directory", "DIR", "Migrations folder (default: SWITCHYARD_MIGRATIONS, ./migrations, or the repository's)"),
        ])

    static func run(_ arguments: ParsedArguments) async throws -> Int32 {
        let directory: URL
        if let path = arguments.string("--directory") {
            directory = URL(fileURLWithPath: path)
        } else if let found = Migrator.defaultDirectory() {
            directory = found
        } else {
            throw UsageError("no migrations folder found; pass --directory")
        }
        let client = DatabaseOptions.client(arguments, maxConnections: 1)
        defer { client.shutdown() }
        let applied = try await Migrator(client: client).migrate(directory: directory)
        if applied.isEmpty {
            print("migrations: up to date")
        } else {
            for name in applied { print("applied \(name)") }
        }
        return 0
    }
}
