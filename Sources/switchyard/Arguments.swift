/// A command-line option a command accepts.
struct OptionSpec: Sendable {
    /// The long name with dashes, e.g. `--concurrency`.
    let name: String
    /// The placeholder shown in help, e.g. `N`; `nil` for a flag that takes no value.
    let valueName: String?
    let help: String
    /// Whether the option may be given more than once.
    let repeatable: Bool

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help, repeatable: false)
    }

    static func value(_ name: String, _ valueName: String, _ help: String, repeatable: Bool = false) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help, repeatable: repeatable)
    }

    /// `--database-url URL`, shared by every command that talks to PostgreSQL.
    static let databaseURL = OptionSpec.value(
        "--database-url", "URL",
        "PostgreSQL URL (default: SWITCHYARD_DATABASE_URL, then DATABASE_URL, then libpq's PG* variables)")
    static let json = OptionSpec.flag("--json", "Print data as JSON")
}

/// What a command is called and what it accepts; drives parsing and `--help`.
struct CommandSpec: Sendable {
    /// Words after `switchyard`, e.g. `bench queue`.
    let name: String
    let summary: String
    /// Positional arguments as shown in the usage line, e.g. `ID...`.
    let arguments: String
    let options: [OptionSpec]
    /// Extra help text printed after the options.
    let discussion: String

    init(name: String, summary: String, arguments: String = "", options: [OptionSpec] = [], discussion: String = "") {
        self.name = name
        self.summary = summary
        self.arguments = arguments
        self.options = options
        self.discussion = discussion
    }

    /// Options every data command shares, listed after the command's own.
    static let sharedOptionNames = ["--json", "--database-url"]

    /// `--help` output: summary, usage, options (the command's own first, then the shared ones),
    /// discussion; lines wrapped at 100 columns.
    var help: String {
        var text = "\(summary)\n\nUsage: switchyard \(name)"
        if !options.isEmpty { text += " [options]" }
        if !arguments.isEmpty { text += " \(arguments)" }
        text += "\n"
        let own = options.filter { !Self.sharedOptionNames.contains($0.name) }
        let shared = Self.sharedOptionNames.compactMap { name in options.first { $0.name == name } }
        let all = own + shared + [OptionSpec.flag("--help", "Show this help")]
        text += "\nOptions:\n"
        let rows = all.map { option -> (String, String) in
            (option.valueName.map { "\(option.name) \($0)" } ?? option.name, option.help)
        }
        let width = rows.map { $0.0.count }.max() ?? 0
        let indent = String(repeating: " ", count: width + 4)
        for (left, right) in rows {
            let lines = wrapWords(right, width: max(40, Self.helpWidth - indent.count))
            text += "  " + left.padding(toLength: width + 2, withPad: " ", startingAt: 0) + (lines.first ?? "") + "\n"
            for line in lines.dropFirst() { text += indent + line + "\n" }
        }
        if !discussion.isEmpty {
            text += "\n"
            // A paragraph (lines up to a blank or indented one) with a line over the width is
            // rewrapped; others, and indented lines (examples), are kept as written.
            var paragraph: [Substring] = []
            func flush() {
                if paragraph.contains(where: { $0.count > Self.helpWidth }) {
                    for line in wrapWords(paragraph.joined(separator: " "), width: Self.helpWidth) { text += line + "\n" }
                } else {
                    for line in paragraph { text += line + "\n" }
                }
                paragraph = []
            }
            for line in discussion.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix(" ") || line.isEmpty {
                    flush()
                    text += line + "\n"
                } else {
                    paragraph.append(line)
                }
            }
            flush()
        }
        return text
    }

    /// Columns of help text.
    static let helpWidth = 100
}

/// A mistake in how a command was invoked; exit code 2.
struct UsageError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// The arguments of one command invocation after parsing against its `CommandSpec`.
struct ParsedArguments: Sendable {
    private(set) var positionals: [String] = []
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []
    /// True when `--help` or `-h` was given.
    private(set) var wantsHelp = false

    /// Parses `arguments` (the words after the command name).
    /// - Throws: `UsageError` naming an unknown option or an option missing its value.
    init(_ arguments: [String], spec: CommandSpec) throws {
        let byName = Dictionary(uniqueKeysWithValues: spec.options.map { ($0.name, $0) })
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if onlyPositionals || !word.hasPrefix("-") || word == "-" {
                positionals.append(word)
                continue
            }
            if word == "--" { onlyPositionals = true; continue }
            if word == "--help" || word == "-h" { wantsHelp = true; continue }
            var name = word
            var inlineValue: String?
            if let equals = word.firstIndex(of: "=") {
                name = String(word[..<equals])
                inlineValue = String(word[word.index(after: equals)...])
            }
            guard let option = byName[name] else {
                throw UsageError("unknown option '\(name)' for 'switchyard \(spec.name)' (see --help)")
            }
            if option.valueName == nil {
                if inlineValue != nil { throw UsageError("option '\(name)' takes no value") }
                flags.insert(name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else {
                    throw UsageError("option '\(name)' needs a value (\(option.valueName!))")
                }
                value = arguments[index]
                index += 1
            }
            if values[name] != nil && !option.repeatable {
                throw UsageError("option '\(name)' given more than once")
            }
            values[name, default: []].append(value)
        }
        if spec.arguments.isEmpty, let extra = positionals.first, !wantsHelp {
            throw UsageError("'switchyard \(spec.name)' takes no arguments, got '\(extra)' (see --help)")
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    func string(_ name: String) -> String? { values[name]?.last }

    func strings(_ name: String) -> [String] { values[name] ?? [] }

    /// The integer value of option `name`, or `defaultValue` when absent.
    /// - Throws: `UsageError` when the value is not an integer within `range`.
    func int(_ name: String, default defaultValue: Int, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let text = string(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError("option '\(name)' expects an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// The optional integer value of option `name`.
    func int(_ name: String, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard string(name) != nil else { return nil }
        return try int(name, default: 0, range: range)
    }

    /// The floating-point value of option `name`, or `defaultValue` when absent.
    func double(_ name: String, default defaultValue: Double, range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Double {
        guard let text = string(name) else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw UsageError("option '\(name)' expects a number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// The value of option `name`, which must be one of `choices`.
    func choice(_ name: String, _ choices: [String], default defaultValue: String) throws -> String {
        guard let text = string(name) else { return defaultValue }
        guard choices.contains(text) else {
            throw UsageError("option '\(name)' expects one of \(choices.joined(separator: ", ")), got '\(text)'")
        }
        return text
    }
}
