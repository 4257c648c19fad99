import Providers

extension TokenEstimator {
    /// Tokens reserved against a client's quota when `request` is submitted: the estimated prompt
    /// plus, per choice (`n`), the output limit the request sets (`max_completion_tokens`, else
    /// `max_tokens`), or `defaultCompletionTokens` when it sets none. Settlement replaces this with
    /// the provider's own counts once the job has finished.
    public static func quotaTokens(for request: ChatRequest, defaultCompletionTokens: Int) -> Int {
        // Clamped so absurd max_tokens or n values cannot overflow; such a request never fits anyway.
        let cap = 1 << 40
        let perChoice = min(request.outputTokenLimit ?? defaultCompletionTokens, cap)
        let choices = min(max(1, request.n ?? 1), 1 << 16)
        return min(promptTokens(request: request.json), cap) + perChoice * choices
    }
}
