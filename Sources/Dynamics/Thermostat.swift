/// The stochastic half of the reference Langevin scheme: an exact Ornstein–Uhlenbeck velocity
/// refresh, kept apart from the deterministic velocity-Verlet part (`LangevinIntegrator`).

import Foundation
import RandomNumbers

/// v ← a v + b √(kT) ξ with a = e^{−γ dt}, b = √((1 − a²)/m), ξ ~ N(0, 1) independent per site.
///
/// This is the exact solution of dv = −γ v dt + √(2γ kT/m) dW over one step: it leaves the
/// Maxwell distribution N(0, kT/m) invariant for any dt, and the lag-one correlation of v is a.
public struct OrnsteinUhlenbeckThermostat: Sendable, Equatable {
    /// a = e^{−γ dt}.
    public let decay: Double
    /// b √kT = √((1 − a²) kT / m), the standard deviation of the added noise.
    public let noiseStandardDeviation: Double

    public init(parameters p: LangevinParameters) {
        decay = Foundation.exp(-p.damping * p.timeStep)
        // 1 − a² = −expm1(−2γ dt), accurate also for small γ dt.
        noiseStandardDeviation = (-Foundation.expm1(-2 * p.damping * p.timeStep) * p.temperature / p.mass).squareRoot()
    }

    /// Refreshes every velocity in place, drawing one normal per site from `generator` (none when the
    /// noise vanishes, γ = 0 or kT = 0). O(N).
    public func refresh(_ velocities: UnsafeMutableBufferPointer<Double>, generator: inout Xoshiro256) {
        let a = decay, sigma = noiseStandardDeviation
        if sigma == 0 {
            if a != 1 { for i in velocities.indices { velocities[i] *= a } }
            return
        }
        for i in velocities.indices {
            velocities[i] = a * velocities[i] + sigma * generator.normal()
        }
    }
}
