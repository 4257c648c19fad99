/// The rule-based complexity classifier (seed 004): keyword patterns pick a task type, which sets
/// a base score; boosters and reducers move it; the result is clamped to 1-10. Deterministic,
/// free, and explains itself: every rule that fired adds a line to the reasoning.
///
/// | task        | base | | booster                                              | points |
/// |-------------|------|-|------------------------------------------------------|--------|
/// | simple_qa   | 1    | | depth asked for ("step by step", "in detail", ...)    | +1     |
/// | general     | 2    | | comparison ("pros and cons", "vs", "compare")          | +1     |
/// | translation | 3    | | advanced domain terms ("quantum", "monolith", ...)     | +1 each, max +2 |
/// | creative    | 4    | | mathematical notation (`^`, `=`, `∫`, "dx")             | +1     |
/// | code        | 4    | | an audience to adapt to ("to a 5-year-old", "eli5")   | +1     |
/// | analysis    | 4    | | production concerns ("error handling", "scalable")   | +1     |
/// | math        | 5    | | long input (>80 / >250 / >800 words)                  | +1/+2/+3 |
/// | reasoning   | 5    | | several parts (3+ questions or list items)           | +1     |
/// |             |      | | brevity asked for ("briefly", "in one sentence")     | −1     |
public struct ComplexityClassifier: Sendable {
    public init() {}

    /// Keywords per task type, checked in this order; the type with most matches wins, ties go
    /// to the earlier type. Entries with a space are phrases, others whole words.
    static let taskKeywords: [(TaskType, [String])] = [
        (.code, [
            "python", "javascript", "typescript", "java", "rust", "golang", "swift", "kotlin", "sql", "bash", "function",
            "code", "script", "program", "algorithm", "bug", "debug", "compile", "regex", "api", "class", "refactor",
            "scraper", "html", "css", "implement", "recursion", "unit test",
        ]),
        (.math, [
            "integral", "derivative", "equation", "equations", "solve", "calculus", "theorem", "prove", "proof",
            "probability", "matrix", "algebra", "geometry", "polynomial", "factorial", "logarithm", "dx", "sqrt",
        ]),
        (.translation, ["translate", "translation", "translated", "into french", "into spanish", "into german",
            "into japanese", "into chinese", "into italian", "into english",
        ]),
        (.creative, [
            "haiku", "poem", "poetry", "story", "stories", "song", "lyrics", "limerick", "fiction", "novel",
            "screenplay", "slogan", "creative", "imagine", "fairy tale", "rhyme", "rhymes",
        ]),
        (.analysis, [
            "analyze", "analyse", "analysis", "compare", "comparison", "contrast", "pros and cons", "evaluate",
            "assess", "critique", "review", "trade offs", "tradeoffs", "implications", "vs", "versus", "swot",
        ]),
        (.reasoning, [
            "explain", "why", "reason", "reasoning", "logic", "logical", "puzzle", "riddle", "deduce", "infer",
            "how does", "how do", "hypothesize", "cause",
        ]),
    ]

    static let baseScores: [TaskType: Int] = [
        .simpleQA: 1, .general: 2, .translation: 3, .creative: 4, .code: 4, .analysis: 4, .math: 5, .reasoning: 5,
    ]

    static let depthPhrases = [
        "step by step", "in detail", "detailed", "in depth", "comprehensive", "thorough", "thoroughly", "rigorous",
        "elaborate",
    ]
    static let comparisonPhrases = ["pros and cons", "vs", "versus", "compare", "trade offs", "tradeoffs"]
    static let domainTerms: Set<String> = [
        "quantum", "entanglement", "entangled", "relativity", "integral", "integrals", "derivative", "derivatives",
        "calculus", "microservice", "microservices", "monolith", "monolithic", "distributed", "consensus",
        "cryptography", "cryptographic", "blockchain", "neural", "eigenvalue", "eigenvalues", "eigenvector",
        "thermodynamics", "topology", "kubernetes", "concurrency", "compiler", "compilers", "genome", "genomic",
        "macroeconomic", "macroeconomics", "differential", "stochastic", "bayesian", "theorem", "asymptotic",
        "superposition",
    ]
    static let audiencePhrases = [
        "year old", "like i m five", "eli5", "to a child", "to a kid", "for a beginner", "for beginners",
        "in simple terms", "layman", "laymans",
    ]
    static let productionPhrases = [
        "error handling", "production", "scalable", "optimize", "edge cases", "thread safe", "fault tolerant",
    ]
    static let brevityPhrases = [
        "briefly", "in one sentence", "in one word", "short answer", "one line", "tl dr", "quick question",
    ]
    static let questionOpeners: Set<String> = [
        "what", "who", "when", "where", "which", "is", "are", "does", "do", "how", "can", "name", "define",
    ]

    /// Classifies one prompt.
    public func classify(_ prompt: String) -> Classification {
        let text = Normalized(prompt)
        var reasoning: [String] = []

        // Task type.
        var best: (task: TaskType, hits: [String])?
        for (task, keywords) in Self.taskKeywords {
            let hits = keywords.filter(text.contains)
            if !hits.isEmpty, hits.count > (best?.hits.count ?? 0) { best = (task, hits) }
        }
        if prompt.contains("^") || prompt.contains("∫"), best == nil || best?.task == .math {
            best = (.math, (best?.hits ?? []) + ["^"])
        }
        let task: TaskType
        if let best {
            task = best.task
            reasoning.append("\(task.rawValue)-related keywords detected (\(best.hits.joined(separator: ", ")))")
        } else if let first = text.words.first, Self.questionOpeners.contains(first), text.words.count <= 15 {
            task = .simpleQA
            reasoning.append("short factual question (\(text.words.count) words)")
        } else {
            task = .general
            reasoning.append("no task keywords: general")
        }
        var score = Self.baseScores[task]!
        reasoning.append("base score \(score) for \(task.rawValue)")

        func boost(_ points: Int, _ why: String) {
            score += points
            reasoning.append("\(points > 0 ? "+" : "")\(points) \(why)")
        }
        if let phrase = Self.depthPhrases.first(where: text.contains) { boost(1, "depth requested (\(phrase))") }
        if let phrase = Self.comparisonPhrases.first(where: text.contains) { boost(1, "comparison (\(phrase))") }
        // Terms that already chose the task type ("integral" → math) do not count again.
        let taskHits = Set(best?.hits ?? [])
        let domain = text.words.filter { Self.domainTerms.contains($0) && !taskHits.contains($0) }
        let distinctDomain = domain.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if !distinctDomain.isEmpty {
            boost(min(2, distinctDomain.count), "advanced domain terms (\(distinctDomain.joined(separator: ", ")))")
        }
        if prompt.contains("^") || prompt.contains("∫") || prompt.contains("=") || text.words.contains("dx") {
            boost(1, "mathematical notation")
        }
        if let phrase = Self.audiencePhrases.first(where: text.contains) {
            boost(1, "must adapt the explanation to an audience (\(phrase))")
        }
        if let phrase = Self.productionPhrases.first(where: text.contains) {
            boost(1, "production concerns (\(phrase))")
        }
        switch text.words.count {
        case 801...: boost(3, "very long input (\(text.words.count) words)")
        case 251...: boost(2, "long input (\(text.words.count) words)")
        case 81...: boost(1, "longer input (\(text.words.count) words)")
        default: break
        }
        let questions = prompt.filter { $0 == "?" }.count
        let listItems = prompt.split(separator: "\n").filter { line in
            let trimmed = line.drop { $0 == " " }
            return trimmed.first.map { $0 == "-" || $0 == "*" || $0.isNumber } ?? false
        }.count
        if questions >= 3 || listItems >= 3 { boost(1, "several parts (\(max(questions, listItems)))") }
        if let phrase = Self.brevityPhrases.first(where: text.contains) { boost(-1, "brevity requested (\(phrase))") }

        let clamped = min(10, max(1, score))
        let tier = ComplexityTier(score: clamped)
        reasoning.append("score \(clamped)/10 → \(tier.rawValue.uppercased()) tier (\(tier.range.lowerBound)-\(tier.range.upperBound))")
        return Classification(score: clamped, taskType: task, reasoning: reasoning, confidence: 1, mode: .ruleBased)
    }
}

/// A prompt lowercased to words: for whole-word and phrase matching that ignores punctuation.
private struct Normalized {
    let words: [String]
    /// Words joined by single spaces, with a space at each end, so `" phrase "` matches whole words.
    let padded: String

    init(_ text: String) {
        var words: [String] = []
        var current = ""
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        self.words = words
        self.padded = " " + words.joined(separator: " ") + " "
    }

    func contains(_ phrase: String) -> Bool {
        padded.contains(" \(phrase) ")
    }
}
