/// Scalar observables of one state, as written to each run's `timeseries.csv`.

import Foundation

/// One line of `timeseries.csv`.
public struct TimeSeriesRow: Sendable, Equatable {
    public var step: Int
    /// t = step · dt.
    public var time: Double
    /// m⟨v²⟩ = (m/N) Σ v_i² (equals kT in equilibrium, equipartition).
    public var kineticTemperature: Double
    /// The force field's potential (ED: free energy at fixed N, grand potential at fixed μ); `nil` if it has none.
    public var potentialEnergy: Double?
    /// (1/N) Σ Q_i.
    public var meanQ: Double
    /// (1/N) Σ Q_i (−1)^(x+y), the checkerboard (CDW) order parameter.
    public var staggeredQ: Double
    /// (1/N) Σ ⟨n_i⟩.
    public var meanDensity: Double

    /// The CSV header, fixed (docs/FORMATS.md).
    public static let csvHeader = "step,time,kinetic_temperature,potential_energy,mean_q,staggered_q,mean_density"

    /// Observables of `state` (O(N)); `timeStep` and `mass` from the run's Langevin parameters.
    public init(state: DynamicsState, timeStep: Double, mass: Double) {
        let L = state.size, n = Double(state.siteCount)
        var v2 = 0.0, q = 0.0, staggered = 0.0, density = 0.0
        for y in 0..<L {
            for x in 0..<L {
                let i = x + L * y
                v2 += state.velocities[i] * state.velocities[i]
                q += state.coordinates[i]
                staggered += (x + y) % 2 == 0 ? state.coordinates[i] : -state.coordinates[i]
                density += state.densities[i]
            }
        }
        step = state.step
        time = Double(state.step) * timeStep
        kineticTemperature = mass * v2 / n
        potentialEnergy = state.evaluation?.potentialEnergy
        meanQ = q / n
        staggeredQ = staggered / n
        meanDensity = density / n
    }

    /// The CSV line (no newline). Numbers are written in Swift's shortest round-trip form, so the
    /// same values always give the same bytes; an undefined potential energy is an empty field.
    public var csvLine: String {
        [
            String(step), "\(time)", "\(kineticTemperature)", potentialEnergy.map { "\($0)" } ?? "",
            "\(meanQ)", "\(staggeredQ)", "\(meanDensity)",
        ].joined(separator: ",")
    }
}
