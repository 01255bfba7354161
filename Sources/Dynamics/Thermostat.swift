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
    /// noise vanishes, γ = 0 or kT = 0). O(N). The noise scheme of run directories written before
    /// `ThermalNoise.counter`.
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

    /// Refreshes velocities of sites `firstSite ..< firstSite + velocities.count` in place with the
    /// counter-based normals of `step` (`CounterNormals`): the same bits whichever thread or rank owns a site.
    /// O(N); the normals pass through a 512-value stack buffer (no allocation per step).
    public func refresh(
        _ velocities: UnsafeMutableBufferPointer<Double>, normals: CounterNormals, step: Int, firstSite: Int
    ) {
        let a = decay, sigma = noiseStandardDeviation
        if sigma == 0 {
            if a != 1 { for i in velocities.indices { velocities[i] *= a } }
            return
        }
        let chunk = 512  // even, so a chunk never splits a pair of sites sharing one Philox block
        withUnsafeTemporaryAllocation(of: Double.self, capacity: chunk) { scratch in
            var start = 0
            while start < velocities.count {
                let count = min(chunk, velocities.count - start)
                let xi = UnsafeMutableBufferPointer(rebasing: scratch[0..<count])
                normals.fill(xi, step: UInt64(step), firstSite: firstSite + start)
                for i in 0..<count { velocities[start + i] = a * velocities[start + i] + sigma * xi[i] }
                start += count
            }
        }
    }
}

/// Where the thermal noise of a simulation comes from (`params.json` key `thermalNoise`).
public enum ThermalNoise: String, Codable, Sendable, Equatable {
    /// One Xoshiro256 stream per trajectory, drawn site by site in order (checkpointed): run directories
    /// written before the counter scheme (no `thermalNoise` key).
    case sequential = "sequential-xoshiro256"
    /// Philox4x32-10 keyed by the trajectory's seed, indexed by step and site (`CounterNormals`): the noise
    /// of a site does not depend on how the lattice is split, so domain-decomposed runs are bit-identical
    /// for any number of ranks. New runs.
    case counter = "counter-philox4x32-10"
}
