import Testing

@testable import Providers

@Suite("Prices")
struct PriceTableTests {
    @Test func costCountsCachedPromptTokensAtTheCachedPrice() throws {
        let table = PriceTable([
            "gpt-4o": ModelPrice(inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25),
            "gpt-4o-mini": ModelPrice(inputPerMillion: 0.15, outputPerMillion: 0.6),
        ])
        let usage = ChatCompletion.Usage(promptTokens: 1_000_000, completionTokens: 100_000, cachedTokens: 400_000)
        let cost = try #require(table.cost(model: "gpt-4o", usage: usage))
        #expect(abs(cost - (0.6 * 2.5 + 0.4 * 1.25 + 0.1 * 10)) < 1e-12)
        let mini = try #require(table.cost(model: "gpt-4o-mini", usage: usage))
        #expect(abs(mini - (0.15 + 0.06)) < 1e-12)
        #expect(table.cost(model: "unknown", usage: usage) == nil)
    }
}
