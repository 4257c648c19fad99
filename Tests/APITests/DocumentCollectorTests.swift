import API
import Foundation
import Testing

@Suite struct DocumentCollectorTests {
    @Test func walksFoldersSkipsHiddenEntriesAndReadsEachFileOnce() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("collect-\(UUID().uuidString)")
        for folder in ["sub/deeper", ".git"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for (path, text) in [("b.md", "bee"), ("a.txt", "ay"), ("sub/deeper/c.md", "sea"), (".hidden.md", "no"), (".git/config", "no")] {
            try text.write(to: root.appendingPathComponent(path), atomically: true, encoding: .utf8)
        }
        let documents = try DocumentCollector().collect([root.path + "/", root.appendingPathComponent("a.txt").path])
        #expect(documents.map(\.name) == ["a.txt", "b.md", "sub/deeper/c.md"].map { root.path + "/" + $0 })
        #expect(documents.map(\.text) == ["ay", "bee", "sea"])
    }

    @Test func refusesEveryBadFileByName() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("refuse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try "fine".write(to: root.appendingPathComponent("ok.md"), atomically: true, encoding: .utf8)
        try " \n\t\n".write(to: root.appendingPathComponent("blank.txt"), atomically: true, encoding: .utf8)
        try Data([0xC3, 0x28, 0x41]).write(to: root.appendingPathComponent("latin1.txt"))
        try Data([0x25, 0x50, 0x44, 0x46, 0x00]).write(to: root.appendingPathComponent("doc.pdf"))
        try String(repeating: "x", count: 2_000).write(to: root.appendingPathComponent("big.md"), atomically: true, encoding: .utf8)
        var collector = DocumentCollector()
        collector.maxDocumentBytes = 1_000
        #expect {
            _ = try collector.collect([root.path, root.path + "/missing.md"])
        } throws: { error in
            guard let refused = error as? DocumentCollector.Refused else { return false }
            let reasons = Dictionary(uniqueKeysWithValues: refused.refusals.map { ($0.name.replacingOccurrences(of: root.path + "/", with: ""), $0.reason) })
            return reasons.keys.sorted() == ["big.md", "blank.txt", "doc.pdf", "latin1.txt", "missing.md"]
                && reasons["doc.pdf"]?.hasPrefix("binary") == true && reasons["latin1.txt"]?.hasPrefix("binary") == true
                && reasons["blank.txt"] == "empty" && reasons["big.md"]?.contains("2000 bytes") == true
                && refused.description.contains("nothing was submitted")
        }
    }

    @Test func anEmptyFolderIsRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        #expect(throws: DocumentCollector.Refused.self) { try DocumentCollector().collect([root.path]) }
    }
}
