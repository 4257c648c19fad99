import Foundation

extension DeploymentStateBoard {
    /// The end of `deployment`'s cooldown as this worker sees it now.
    func cooldownUntil(_ deployment: String) -> Date? {
        state.withLock { $0.health[deployment]?.rateLimit.cooldownUntil }
    }
}
