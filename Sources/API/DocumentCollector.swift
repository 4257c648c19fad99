import Foundation

/// The documents `switchyard docs submit` sends: the files named, and every file in the folders
/// named (walked recursively, hidden files and folders skipped), each read as UTF-8 text.
///
/// A file that is binary (NUL bytes, or not UTF-8), empty or over `maxDocumentBytes`, or a path
/// that does not exist, is refused by name; when anything is refused nothing is returned, so
/// nothing is enqueued. File I/O is blocking: this is for a command-line process, not a server.
public struct DocumentCollector: Sendable {
    /// One document to process.
    public struct Document: Sendable, Equatable {
        /// The path as given, or the folder as given joined with the path inside it.
        public var name: String
        public var text: String
    }

    /// Paths that cannot be submitted, each with the reason.
    public struct Refused: Error, Sendable, CustomStringConvertible {
        public var refusals: [(name: String, reason: String)]

        public var description: String {
            let noun = refusals.count == 1 ? "document" : "documents"
            return "refused \(refusals.count) \(noun), nothing was submitted:\n"
                + refusals.map { "  \($0.name): \($0.reason)" }.joined(separator: "\n")
        }
    }

    /// The largest document accepted, in bytes.
    public var maxDocumentBytes = 256 * 1024
    /// The most documents in one submission.
    public var maxDocuments = 10_000

    public init() {}

    /// Every document under `paths`, sorted by name, each once.
    /// - Throws: ``Refused`` naming every path that cannot be submitted (or saying none was found).
    public func collect(_ paths: [String]) throws(Refused) -> [Document] {
        let fileManager = FileManager.default
        var refusals: [(name: String, reason: String)] = []
        var candidates: [(name: String, path: String)] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                refusals.append((path, "no such file or folder"))
                continue
            }
            guard isDirectory.boolValue else {
                candidates.append((path, path))
                continue
            }
            let folder = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
            guard let walker = fileManager.enumerator(atPath: folder) else {
                refusals.append((path, "cannot list the folder"))
                continue
            }
            while let relative = walker.nextObject() as? String {
                let full = folder + "/" + relative
                var entryIsDirectory: ObjCBool = false
                _ = fileManager.fileExists(atPath: full, isDirectory: &entryIsDirectory)
                if (relative as NSString).lastPathComponent.hasPrefix(".") {
                    if entryIsDirectory.boolValue { walker.skipDescendants() }
                    continue
                }
                if !entryIsDirectory.boolValue { candidates.append((full, full)) }
            }
        }
        var seen = Set<String>()
        var documents: [Document] = []
        for (name, path) in candidates.sorted(by: { $0.name < $1.name }) {
            guard seen.insert(URL(fileURLWithPath: path).standardizedFileURL.path).inserted else { continue }
            switch read(path) {
            case .success(let text): documents.append(Document(name: name, text: text))
            case .failure(let reason): refusals.append((name, reason.message))
            }
        }
        if refusals.isEmpty && documents.isEmpty {
            refusals.append((paths.joined(separator: " "), "no documents found"))
        }
        if refusals.isEmpty && documents.count > maxDocuments {
            refusals.append((paths.joined(separator: " "), "\(documents.count) documents, at most \(maxDocuments) per submission"))
        }
        guard refusals.isEmpty else { throw Refused(refusals: refusals) }
        return documents
    }

    private struct Reason: Error {
        var message: String
    }

    private func read(_ path: String) -> Result<String, Reason> {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let type = attributes?[.type] as? FileAttributeType, type == .typeRegular else {
            return .failure(Reason(message: "not a regular file"))
        }
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        if size > maxDocumentBytes {
            return .failure(Reason(message: "\(size) bytes, over the limit of \(maxDocumentBytes) (--max-bytes)"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(Reason(message: "cannot be read"))
        }
        if data.count > maxDocumentBytes {
            return .failure(Reason(message: "\(data.count) bytes, over the limit of \(maxDocumentBytes) (--max-bytes)"))
        }
        if data.contains(0) { return .failure(Reason(message: "binary (it holds NUL bytes); only text and Markdown files are sent")) }
        guard let text = String(validating: data, as: UTF8.self) else {
            return .failure(Reason(message: "binary or not UTF-8 text; only text and Markdown files are sent"))
        }
        if text.allSatisfy(\.isWhitespace) { return .failure(Reason(message: "empty")) }
        return .success(text)
    }
}
