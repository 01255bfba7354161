// Goals, in order: accuracy, reproducibility, speed. Trade-offs made here:
// - Accuracy: float64; velocity Verlet (error O(dt²) per unit time) with the exact Ornstein–Uhlenbeck
//   refresh (decay e^(−γ dt), noise from −expm1, exact for any γ dt) instead of an Euler–Maruyama kick.
// - Reproducibility: sequential O(N) loops in a fixed order and normals indexed by (seed, step, site)
//   (`ThermalNoise.counter`), or, for older run directories, from the state's own checkpointed generator:
//   the same state and force field give the same next state bit for bit.
// - Speed: one force evaluation per step (F_old is applied during the drift, not stored); the
//   finiteness checks reuse sums taken in the update passes, so they cost one extra O(N) pass.

/// The reference Langevin scheme (reference conventions §2): velocity Verlet with one force
/// evaluation per step, followed by the exact Ornstein–Uhlenbeck velocity refresh.

import ForceFieldInterface
import RandomNumbers

/// One step, for any `ForceField`:
///
///     Q ← Q + v dt + ½ (F/m) dt² ;  F ← F(Q) ;  v ← v + ½ dt (F_old + F)/m
///     v ← a v + b √(kT) ξ            (`OrnsteinUhlenbeckThermostat`)
///
/// The half kick with F_old is applied during the drift, so F_old need not be stored. Cost per step:
/// one force evaluation plus O(N) arithmetic and N normal numbers. Deterministic: the same state,
/// force field (and BLAS thread count) give the same next state bit for bit.
public struct LangevinIntegrator: Sendable {
    public let parameters: LangevinParameters
    public let thermostat: OrnsteinUhlenbeckThermostat
    /// The noise scheme; with `.counter`, the normals of `CounterNormals(seed: noiseSeed)`.
    public let noise: ThermalNoise
    public let noiseSeed: UInt64

    /// Throws `DynamicsError.invalidParameter` for invalid parameters. `noise` `.sequential` draws from the
    /// state's generator; `.counter` from `CounterNormals(seed: noiseSeed)` (a trajectory's seed).
    public init(parameters: LangevinParameters, noise: ThermalNoise = .sequential, noiseSeed: UInt64 = 0) throws {
        try parameters.validate()
        self.parameters = parameters
        thermostat = OrnsteinUhlenbeckThermostat(parameters: parameters)
        self.noise = noise
        self.noiseSeed = noiseSeed
    }

    /// Evaluates forces and densities at the state's coordinates (the step-0 evaluation of a new run).
    public func evaluateForces(_ state: inout DynamicsState, forceField: any ForceField) throws {
        try Self.checkLatticeSize(state, forceField)
        let n = state.siteCount
        let evaluation = try state.coordinates.withUnsafeBufferPointer { q in
            try state.forces.withUnsafeMutableBufferPointer { f in
                try state.densities.withUnsafeMutableBufferPointer { d in
                    try forceField.evaluate(q, forces: f, densities: d)
                }
            }
        }
        state.evaluation = evaluation
        guard Self.sum(state.forces, n).isFinite else {
            throw DynamicsError.nonFinite(step: state.step, what: "the force")
        }
    }

    /// Advances `state` by one step. Throws `DynamicsError.nonFinite` (leaving `state` partly
    /// updated: discard it) when a coordinate, force or velocity becomes NaN or infinite.
    public func step(_ state: inout DynamicsState, forceField: any ForceField) throws {
        try Self.checkLatticeSize(state, forceField)
        let dt = parameters.timeStep
        let halfKick = 0.5 * dt / parameters.mass
        let nextStep = state.step + 1

        // Drift with the old force, and the first half kick.
        let coordinateSum = state.coordinates.withUnsafeMutableBufferPointer { q in
            state.velocities.withUnsafeMutableBufferPointer { v in
                state.forces.withUnsafeBufferPointer { f in
                    var sum = 0.0
                    for i in q.indices {
                        q[i] += (v[i] + halfKick * f[i]) * dt
                        v[i] += halfKick * f[i]
                        sum += q[i]
                    }
                    return sum
                }
            }
        }
        guard coordinateSum.isFinite else { throw DynamicsError.nonFinite(step: nextStep, what: "a coordinate Q") }

        let previous = state.evaluation
        let evaluation = try state.coordinates.withUnsafeBufferPointer { q in
            try state.forces.withUnsafeMutableBufferPointer { f in
                try state.densities.withUnsafeMutableBufferPointer { d in
                    try forceField.evaluate(q, forces: f, densities: d, previous: previous)
                }
            }
        }

        // Second half kick with the new force, then the thermostat.
        let noise = self.noise, normals = CounterNormals(seed: noiseSeed)
        let (forceSum, velocitySum) = state.velocities.withUnsafeMutableBufferPointer { v in
            state.forces.withUnsafeBufferPointer { f in
                var forceSum = 0.0
                for i in v.indices {
                    v[i] += halfKick * f[i]
                    forceSum += f[i]
                }
                switch noise {
                case .sequential: thermostat.refresh(v, generator: &state.generator)
                case .counter: thermostat.refresh(v, normals: normals, step: nextStep, firstSite: 0)
                }
                var velocitySum = 0.0
                for i in v.indices { velocitySum += v[i] }
                return (forceSum, velocitySum)
            }
        }
        guard forceSum.isFinite else { throw DynamicsError.nonFinite(step: nextStep, what: "the force") }
        guard velocitySum.isFinite else { throw DynamicsError.nonFinite(step: nextStep, what: "a velocity") }
        state.step = nextStep
        state.evaluation = evaluation
    }

    private static func checkLatticeSize(_ state: DynamicsState, _ forceField: any ForceField) throws {
        guard forceField.latticeSize == state.size else {
            throw DynamicsError.invalidParameter(
                "force field is set up for L = \(forceField.latticeSize), the state has L = \(state.size)")
        }
    }

    private static func sum(_ values: [Double], _ n: Int) -> Double {
        values.withUnsafeBufferPointer { b in
            var s = 0.0
            for i in 0..<n { s += b[i] }
            return s
        }
    }
}
