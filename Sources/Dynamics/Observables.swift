/// Scalar observables of one state, as written to each run's `timeseries.csv`.

import ForceFieldInterface
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

    /// Observables of `state` (O(N)); `timeStep` and `mass` from the run's Langevin parameters. Sums are
    /// taken row by row and the rows added in order (`SerialRowSums`), as a row-decomposed run takes them.
    public init(state: DynamicsState, timeStep: Double, mass: Double) {
        self = state.coordinates.withUnsafeBufferPointer { q in
            state.velocities.withUnsafeBufferPointer { v in
                state.densities.withUnsafeBufferPointer { d in
                    try! Self(
                        rowsOf: SerialRowSums(size: state.size), coordinates: q, velocities: v, densities: d,
                        step: state.step, evaluation: state.evaluation, timeStep: timeStep, mass: mass)
                }
            }
        }
    }

    /// Observables of a state whose rows may be spread over processes (`sums`; buffers indexed by global
    /// site, own rows read): the same bits for every split. One reduction of four quantities.
    public init(
        rowsOf sums: any RowSums, coordinates q: UnsafeBufferPointer<Double>, velocities v: UnsafeBufferPointer<Double>,
        densities d: UnsafeBufferPointer<Double>, step: Int, evaluation: ForceEvaluation?, timeStep: Double,
        mass: Double
    ) throws {
        let L = sums.size, n = Double(L * L)
        let totals = try sums.sums(4) { i, partial in
            partial[0] += v[i] * v[i]
            partial[1] += q[i]
            partial[2] += (i % L + i / L) % 2 == 0 ? q[i] : -q[i]
            partial[3] += d[i]
        }
        self.step = step
        time = Double(step) * timeStep
        kineticTemperature = mass * totals[0] / n
        potentialEnergy = evaluation?.potentialEnergy
        meanQ = totals[1] / n
        staggeredQ = totals[2] / n
        meanDensity = totals[3] / n
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
