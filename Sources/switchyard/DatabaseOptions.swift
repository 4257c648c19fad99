import Postgres

/// The database a command talks to: `--database-url`, else SWITCHYARD_DATABASE_URL, else
/// DATABASE_URL, else libpq's PG* variables.
enum DatabaseOptions {
    static func configuration(_ arguments: ParsedArguments) -> PostgresConfiguration {
        PostgresConfiguration.fromEnvironment(explicit: arguments.string("--database-url"))
    }

    static func client(_ arguments: ParsedArguments, maxConnections: Int = 2) -> PostgresClient {
        PostgresClient(configuration: configuration(arguments), maxConnections: maxConnections)
    }
}
