import API
import Foundation
import TestSupport
import Testing

@Suite struct PromptTemplateTests {
    @Test func placeholdersAreReplacedInOnePass() throws {
        let template = try PromptTemplate(text: "[{{name}}] {{document}} {{other}} {{", source: "test")
        #expect(template.render(name: "a.md", document: "text with {{name}} inside") == "[a.md] text with {{name}} inside {{other}} {{")
    }

    @Test func aTemplateNeedsTheDocumentPlaceholder() {
        #expect(throws: PromptTemplate.Problem.self) { try PromptTemplate(text: "only {{name}}", source: "test") }
    }

    @Test(arguments: PromptTemplate.tasks)
    func everyTaskHasAStockTemplateInTheRepository(task: String) throws {
        let path = TestDatabase.repositoryRoot.appendingPathComponent("examples/templates/\(task).md").path
        let template = try PromptTemplate.load(path: path)
        let prompt = template.render(name: "contract.md", document: "THE DOCUMENT")
        #expect(prompt.contains("THE DOCUMENT") && prompt.contains("contract.md"))
    }
}
