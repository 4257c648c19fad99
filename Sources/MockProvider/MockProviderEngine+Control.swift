import Providers

/// The `/_mock/*` control operations and the model list, usable without the server.
extension MockProviderEngine {
    /// A snapshot of the counters.
    public var stats: MockStats { state.withLock { $0.stats } }

    /// The served models and their current profiles.
    public var configuration: MockProviderConfiguration { state.withLock { $0.configuration } }

    /// Switches an outage of `model` on or off; `mode` nil uses the profile's `outage_mode`.
    /// - Returns: the model's outage state as `POST /_mock/models/{model}/outage` answers it, or nil
    ///   when the model is unknown.
    public func setOutage(model: String, enabled: Bool, mode: MockOutageMode? = nil) -> JSONValue? {
        state.withLock { state in
            guard let profile = state.configuration.models[model] else { return nil }
            let effective = mode ?? profile.outageMode
            if enabled {
                state.outages[model] = effective
            } else {
                state.outages[model] = nil
            }
            return ["model": .string(model), "outage": ["enabled": .bool(enabled), "mode": .string(effective.rawValue)]]
        }
    }

    /// Handles the body of `POST /_mock/models/{model}/outage`: `{"enabled": bool, "mode": "503"|"reset"|"hang"}`.
    public func setOutage(model: String, body: [UInt8]) -> MockDecision {
        let json: JSONValue
        do {
            json = try JSONValue.parse(body)
        } catch {
            return Self.controlError("body is not JSON: \(error)", status: 400)
        }
        guard let enabled = json["enabled"]?.boolValue else {
            return Self.controlError("field 'enabled' must be true or false", status: 400)
        }
        var mode: MockOutageMode?
        if let value = json["mode"], !value.isNull {
            do {
                mode = try MockModelProfile.parseOutageMode(value, field: "mode")
            } catch {
                return Self.controlError(error.description, status: 400)
            }
        }
        guard let result = setOutage(model: model, enabled: enabled, mode: mode) else {
            return Self.controlError("unknown model '\(model)'", status: 404)
        }
        return .json(result)
    }

    /// Lays a profile object (the same fields as in a profile file) over `model`'s profile, creating
    /// the model when it is new, and restarts its rate window.
    /// - Throws: `MockProfileError` naming the bad field.
    @discardableResult
    public func setProfile(model: String, json: JSONValue) throws(MockProfileError) -> MockModelProfile {
        let base = configuration.models[model] ?? MockModelProfile()
        let profile = try MockModelProfile.parse(json, base: base, field: "")
        state.withLock { state in
            state.configuration.models[model] = profile
            state.limiters[model] = nil
        }
        return profile
    }

    /// Handles the body of `POST /_mock/models/{model}/profile`.
    public func setProfile(model: String, body: [UInt8]) -> MockDecision {
        do {
            let json = try JSONValue.parse(body)
            let profile = try setProfile(model: model, json: json)
            return .json(["model": .string(model), "profile": profile.json])
        } catch let error as MockProfileError {
            return Self.controlError(error.description, status: 400)
        } catch {
            return Self.controlError("body is not JSON: \(error)", status: 400)
        }
    }

    /// Clears stats, outages, rate windows and the prompt cache, and restarts the seeded sequences.
    /// Profiles changed at run time stay.
    public func reset() {
        state.withLock { state in
            state.stats = MockStats()
            state.outages = [:]
            state.limiters = [:]
            state.randoms = [:]
            state.promptCache = []
        }
    }

    /// `GET /_mock/profile`: the seed and every model's profile.
    public var profileJSON: JSONValue {
        let configuration = self.configuration
        return [
            "seed": .int(Int(truncatingIfNeeded: configuration.seed)),
            "models": .object(configuration.models.mapValues(\.json)),
        ]
    }

    /// `GET /v1/models` in OpenAI's list shape; needs a Bearer key like the real endpoint.
    public func listModels(headers: [String: String]) -> MockDecision {
        let call = MockCall(format: .openAI, headers: headers)
        if let failure = MockRequestParser.authenticate(call, apiKeys: configuration.apiKeys) {
            let (contentType, body) = MockErrorBody.render(failure, format: .openAI)
            return MockDecision(reply: .respond(status: failure.status(in: .openAI), headers: [("Content-Type", contentType)], body: Array(body.utf8)), outcome: "unauthorized")
        }
        let models = configuration.models
        return .json([
            "object": "list",
            "data": .array(models.keys.sorted().map { name in
                ["id": .string(name), "object": "model", "created": 1_715_367_049, "owned_by": .string(models[name]!.ownedBy)]
            }),
        ])
    }

    static func controlError(_ message: String, status: Int) -> MockDecision {
        .json(["error": ["message": .string(message), "type": "invalid_request_error"]], status: status)
    }
}
