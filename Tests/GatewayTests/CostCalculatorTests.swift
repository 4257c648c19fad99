import Testing

import Gateway
import Providers

@Suite("Cost and savings against the baseline model")
struct CostCalculatorTests {
    let gpt4o = ModelPrice(inputPerMillion: 2.5, outputPerMillion: 10)
    let mini = ModelPrice(inputPerMillion: 0.15, outputPerMillion: 0.6)

    @Test(arguments: [
        (1_000_000, 0, 2.5), (0, 1_000_000, 10.0), (1_000, 500, 0.0075), (0, 0, 0.0),
    ])
    func costFromTokens(prompt: Int, completion: Int, usd: Double) {
        #expect(abs(CostCalculator.cost(promptTokens: prompt, completionTokens: completion, price: gpt4o) - usd) < 1e-12)
    }

    @Test func savingsAgainstTheBaseline() {
        let calculator = CostCalculator(baseline: gpt4o)
        let breakdown = calculator.breakdown(promptTokens: 1_000, completionTokens: 500, price: mini)
        #expect(abs(breakdown.costUSD - 0.00045) < 1e-12)
        #expect(abs(breakdown.baselineCostUSD - 0.0075) < 1e-12)
        #expect(abs(breakdown.savingsPercent - 94) < 1e-9)
        #expect(abs(breakdown.savingsUSD - 0.00705) < 1e-12)
        let same = calculator.breakdown(promptTokens: 10, completionTokens: 10, price: gpt4o)
        #expect(same.savingsPercent == 0)
        let dearer = calculator.breakdown(promptTokens: 1_000, completionTokens: 1_000, price: ModelPrice(inputPerMillion: 3, outputPerMillion: 15))
        #expect(dearer.savingsPercent < 0)
    }

    @Test func providerCachedPromptTokensUseTheCachedPrice() {
        let price = ModelPrice(inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25)
        // 1,000 prompt tokens of which 600 cached: 400 x 2.5 + 600 x 1.25 = 1,750 per million.
        #expect(abs(CostCalculator.cost(promptTokens: 1_000, completionTokens: 0, cachedTokens: 600, price: price) - 0.00175) < 1e-12)
        // Without a cached price, cached tokens cost full input; never more cached than prompt tokens.
        #expect(CostCalculator.cost(promptTokens: 1_000, completionTokens: 0, cachedTokens: 600, price: gpt4o) == 0.0025)
        #expect(CostCalculator.cost(promptTokens: 10, completionTokens: 0, cachedTokens: 99, price: price) == 10 * 1.25 / 1_000_000)
    }

    @Test func aCacheHitCostsNothingAndSavesTheBaseline() {
        let hit = CostCalculator(baseline: gpt4o).cacheHit(promptTokens: 1_000, completionTokens: 500)
        #expect(hit.costUSD == 0)
        #expect(hit.savingsPercent == 100)
    }

    @Test func aFreeBaselineGivesZeroPercent() {
        let breakdown = CostCalculator(baseline: ModelPrice(inputPerMillion: 0, outputPerMillion: 0))
            .breakdown(promptTokens: 10, completionTokens: 10, price: mini)
        #expect(breakdown.savingsPercent == 0)
    }
}
