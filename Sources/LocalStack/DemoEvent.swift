/// One piece of the demo's narrative, for the command line to print.
public enum DemoEvent: Sendable {
    /// A numbered step: `== 2. Failover when gpt-4o goes down`.
    case step(number: Int, title: String)
    /// A sentence of explanation or a finding.
    case text(String)
    /// A command or query the reader can run themselves.
    case command(String)
    /// A line quoted from elsewhere: a log line, a response header, a reason from a routing trace.
    case detail(String)
    case table(DemoTable)
    /// The last line: figures as `key=value` pairs (what the integration test reads).
    case summary([(key: String, value: String)])
}
