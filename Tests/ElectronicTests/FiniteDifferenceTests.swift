import HolsteinModel
import TestSupport
import Testing

@testable import Electronic

/// Forces are minus the gradient of the reported free energy (F at fixed N, Ω at fixed μ).
struct FiniteDifferenceTests {
    static let cases: [(L: Int, temperature: Double, filling: Filling)] = [
        (6, 0.1, .fixedElectronNumber), (6, 0.5, .fixedElectronNumber),
        (8, 0.1, .fixedElectronNumber), (8, 0.5, .fixedElectronNumber),
        (6, 0.1, .fixedChemicalPotential(0.3)), (6, 0.5, .fixedChemicalPotential(-0.4)),
        (8, 0.1, .fixedChemicalPotential(0.3)), (8, 0.5, .fixedChemicalPotential(-0.4)),
    ]

    @Test(arguments: 0..<cases.count)
    func forcesAreMinusFreeEnergyGradient(index: Int) throws {
        let c = Self.cases[index]
        let p = HolsteinParameters(temperature: c.temperature, filling: c.filling)
        let solver = try HolsteinSolver(size: c.L, parameters: p)
        let q = randomConfiguration(c.L, seed: UInt64(100 + index))
        let forces = try solver.solve(q).forces
        let check = try FiniteDifference.check(forces.map { -$0 }, at: q, indices: q.indices, tolerance: .freeEnergy) {
            try solver.solve($0).freeEnergy
        }
        #expect(check.passes, "L=\(c.L) T=\(c.temperature) \(c.filling): \(check)")
    }

    /// The electronic part alone: −∂Ω_el/∂Q_i = g n_i (checked via the g = 0 limit of the rest).
    @Test func electronicEnergyIsConsistentAtZeroTemperatureGap() throws {
        // At T = 0 in a gap, F = E_total: free energy equals internal energy.
        let p = HolsteinParameters(temperature: 0)
        let solver = try HolsteinSolver(size: 4, parameters: p)
        let r = try solver.solve(checkerboard(4, amplitude: 2))
        #expect(abs(r.freeEnergy - r.totalEnergy) <= 1e-10 * abs(r.totalEnergy))
    }
}
