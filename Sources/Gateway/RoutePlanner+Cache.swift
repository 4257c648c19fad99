/// Which cached answers may answer a routed request.
extension RoutePlanner {
    /// Most models one cache lookup considers.
    public static let maxCacheModels = 8

    /// The deployments whose cached answers may answer `decision`'s request, best first and one per
    /// model: the attempt order (the chosen deployment first), then the route's other candidates
    /// (excluded ones too: a stored answer does not need a healthy deployment), then for
    /// `complexity` routes every deployment the table can pick, since another classification of the
    /// same prompt (the LLM classifier's) may have picked it. At most ``maxCacheModels``.
    public func cacheCandidates(for decision: RoutingDecision) -> [RoutingCandidate] {
        var names = decision.order
        names += decision.candidates.map(\.deployment)
        if let table = routesByName[decision.route]?.complexity { names += table.deployments.sorted() }
        var models: Set<String> = []
        var picked: [RoutingCandidate] = []
        for name in names {
            guard let candidate = decision.candidate(named: name) ?? candidatesByName[name],
                models.insert(candidate.model).inserted
            else { continue }
            picked.append(candidate)
            if picked.count == Self.maxCacheModels { break }
        }
        return picked
    }
}
