import Foundation

/// The prompt of a `docs submit` task: text with `{{document}}` (the document's text, required)
/// and `{{name}}` (its file name) placeholders, sent as the user message of each job.
///
/// Replacement is one pass over the template, so a document that itself contains `{{name}}` is
/// sent as written. The stock templates are `examples/templates/<task>.md`.
public struct PromptTemplate: Sendable, Equatable {
    /// The tasks with a stock template.
    public static let tasks = ["summarize", "extract", "classify"]

    /// Why a template cannot be used.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let text: String
    /// Where the template came from, for messages.
    public let source: String

    /// - Throws: ``Problem`` when `text` has no `{{document}}` placeholder.
    public init(text: String, source: String) throws(Problem) {
        guard text.contains("{{document}}") else {
            throw Problem(description: "template \(source) has no {{document}} placeholder (where the document's text goes)")
        }
        self.text = text
        self.source = source
    }

    /// Reads the template at `path`.
    /// - Throws: ``Problem`` when it cannot be read, is not UTF-8 or lacks `{{document}}`.
    public static func load(path: String) throws(Problem) -> PromptTemplate {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "cannot read template '\(path)'")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw Problem(description: "template '\(path)' is not UTF-8 text")
        }
        return try PromptTemplate(text: text, source: path)
    }

    /// The stock template of `task`, from `SWITCHYARD_TEMPLATES` (a folder), else
    /// `./examples/templates`, else the `examples/templates` of the repository the executable was
    /// built in.
    /// - Throws: ``Problem`` naming the places looked in.
    public static func stock(task: String) throws(Problem) -> PromptTemplate {
        let fileManager = FileManager.default
        var folders: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["SWITCHYARD_TEMPLATES"], !explicit.isEmpty {
            folders.append(URL(fileURLWithPath: explicit))
        }
        folders.append(URL(fileURLWithPath: fileManager.currentDirectoryPath).appendingPathComponent("examples/templates"))
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var folder = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" && !folder.path.isEmpty {
            if fileManager.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
                folders.append(folder.appendingPathComponent("examples/templates"))
                break
            }
            folder = folder.deletingLastPathComponent()
        }
        for folder in folders {
            let path = folder.appendingPathComponent("\(task).md").path
            if fileManager.fileExists(atPath: path) { return try load(path: path) }
        }
        throw Problem(description: "no template for task '\(task)' (looked for \(task).md in \(folders.map(\.path).joined(separator: ", "))); give --template FILE or set SWITCHYARD_TEMPLATES")
    }

    /// The prompt for one document.
    public func render(name: String, document: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + document.utf8.count)
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            if after.hasPrefix("document}}") {
                out += document
                rest = after.dropFirst("document}}".count)
            } else if after.hasPrefix("name}}") {
                out += name
                rest = after.dropFirst("name}}".count)
            } else {
                out += "{{"
                rest = after
            }
        }
        out += rest
        return out
    }
}
