/// Parameters of the Langevin equation m Q̈ = F(Q) − γ m Q̇ + √(2γ m kT) η(t) and the errors of the
/// dynamics module.

import Foundation

/// Mass, damping, time step and bath temperature of the Langevin dynamics (units t = 1, k_B = 1).
/// Defaults are the reference values (reference conventions §2): m = 5, γ = 0.2, dt = 0.05, kT = 0.1.
public struct LangevinParameters: Codable, Sendable, Equatable {
    /// Mass m of every lattice coordinate.
    public var mass: Double
    /// Damping rate γ (1/time); 0 gives Hamiltonian (velocity-Verlet) dynamics.
    public var damping: Double
    /// Time step dt.
    public var timeStep: Double
    /// Bath temperature kT; 0 with γ > 0 is a pure quench to the ground state.
    public var temperature: Double

    public init(mass: Double = 5, damping: Double = 0.2, timeStep: Double = 0.05, temperature: Double = 0.1) {
        self.mass = mass
        self.damping = damping
        self.timeStep = timeStep
        self.temperature = temperature
    }

    /// Throws `DynamicsError.invalidParameter` unless m > 0, γ ≥ 0, dt > 0, kT ≥ 0 (all finite).
    public func validate() throws {
        func require(_ ok: Bool, _ name: String, _ value: Double, _ rule: String) throws {
            guard ok, value.isFinite else {
                throw DynamicsError.invalidParameter("\(name) must be \(rule), got \(value)")
            }
        }
        try require(mass > 0, "mass", mass, "> 0")
        try require(damping >= 0, "damping", damping, "≥ 0")
        try require(timeStep > 0, "time step dt", timeStep, "> 0")
        try require(temperature >= 0, "temperature", temperature, "≥ 0")
    }
}

/// Failures of the dynamics module, each with a one-line message.
public enum DynamicsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A parameter outside its allowed range.
    case invalidParameter(String)
    /// A coordinate, velocity or force became NaN or ±∞.
    case nonFinite(step: Int, what: String)
    /// An initial-state file that cannot be used.
    case badInitialState(String)
    /// A run directory that cannot be created, read or resumed.
    case runDirectory(String)
    /// One or more trajectories stopped on an error (the message names the runs and steps).
    case trajectoryFailed(String)

    public var description: String {
        switch self {
        case .invalidParameter(let m), .badInitialState(let m), .runDirectory(let m), .trajectoryFailed(let m): m
        case .nonFinite(let step, let what): "\(what) became NaN or infinite at step \(step)"
        }
    }
}
