/// Everything a Langevin trajectory needs to continue bit for bit: coordinates, velocities, the
/// force at the current coordinates, the step counter and the noise generator.

import ForceFieldInterface
import RandomNumbers

/// The state of one trajectory on an L×L lattice; arrays are flat, site i = x + L·y ([y, x]).
public struct DynamicsState: Sendable, Equatable {
    /// Linear lattice size L.
    public let size: Int
    /// Lattice coordinates Q_i.
    public var coordinates: [Double]
    /// Velocities v_i = Q̇_i.
    public var velocities: [Double]
    /// Total forces F_i at `coordinates` (kept so that the next step needs one new evaluation).
    public var forces: [Double]
    /// Densities ⟨n_i⟩ at `coordinates` (exact for ED, implied by the force otherwise).
    public var densities: [Double]
    /// Number of integration steps taken; the time is `step · dt`.
    public var step: Int
    /// The noise generator; part of the state so that a resumed run draws the same numbers.
    public var generator: Xoshiro256
    /// Scalars of the last force evaluation (potential energy, μ, …); `nil` after a resume until the next step.
    public var evaluation: ForceEvaluation?

    /// A state with the given coordinates and velocities at `step`; forces and densities are zero
    /// until `LangevinIntegrator.evaluateForces` fills them.
    public init(size: Int, coordinates: [Double], velocities: [Double], step: Int = 0, generator: Xoshiro256) throws {
        let n = size * size
        guard size >= 2, coordinates.count == n, velocities.count == n else {
            throw DynamicsError.invalidParameter(
                """
                state needs L ≥ 2 and L² = \(n) coordinates and velocities, got \(coordinates.count) and \
                \(velocities.count)
                """
            )
        }
        self.size = size
        self.coordinates = coordinates
        self.velocities = velocities
        forces = [Double](repeating: 0, count: n)
        densities = [Double](repeating: 0, count: n)
        self.step = step
        self.generator = generator
    }

    /// N = L².
    public var siteCount: Int { size * size }
}
