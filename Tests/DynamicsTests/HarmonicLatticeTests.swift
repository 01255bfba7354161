import Dynamics
import ForceFieldInterface
import ForceFields
import Foundation
import HolsteinModel
import RandomNumbers
import Testing

@Suite("g = 0: the harmonic lattice")
struct HarmonicLatticeTests {
    @Test("HarmonicForceField gives the ED forces and free-energy differences at g = 0")
    func matchesED() throws {
        let L = 4
        let parameters = HolsteinParameters(coupling: 0, neighbourCoupling: 0.18, temperature: 0.1)
        let harmonic = try HarmonicForceField(size: L, parameters: parameters)
        let ed = try EDForceField(size: L, parameters: parameters)
        var generator = Xoshiro256(seed: 5)
        let q1 = generator.normals(L * L), q2 = generator.normals(L * L)
        let (fh, nh, sh) = try harmonic.evaluate(q1)
        let (fe, ne, se) = try ed.evaluate(q1)
        for i in 0..<(L * L) {
            #expect(abs(fh[i] - fe[i]) < 1e-12)
            #expect(nh[i] == 0.5 && abs(ne[i] - 0.5) < 1e-12)
        }
        let dh = try sh.potentialEnergy! - harmonic.evaluate(q2).scalars.potentialEnergy!
        let de = try se.potentialEnergy! - ed.evaluate(q2).scalars.potentialEnergy!
        #expect(abs(dh - de) < 1e-10)
        #expect(harmonic.descriptor.kind == "harmonic" && harmonic.holsteinParameters.coupling == 0)
    }

    /// Long thermal run on 16×16 at the reference m, γ, dt, kT: m⟨v²⟩ = kT (equipartition) and
    /// ⟨Q_i²⟩ = (1/N) Σ_k kT/(k0 + 2κ(cos kx + cos ky)). Averages over all sites and steps; the
    /// statistical error comes from 20 blocks of 1000 steps (50 time units ≫ 1/γ), and the test
    /// also demands that this error be small (≤ 2 %) so that it has teeth. The scheme's own O(dt²)
    /// bias is ≈ (ω dt)²/4 ≈ 2·10⁻⁴ here, far below the tolerance.
    @Test(
        "Thermal run: equipartition and the exact ⟨Q²⟩ within statistical error, with either noise scheme",
        arguments: [ThermalNoise.sequential, .counter])
    func equipartition(noise: ThermalNoise) throws {
        let L = 16, n = Double(L * L)
        let langevin = LangevinParameters()
        let field = try HarmonicForceField(size: L)
        var generator = Xoshiro256(seed: 2024)
        let v0 = generator.normals(L * L, standardDeviation: (langevin.temperature / langevin.mass).squareRoot())
        var state = try preparedState(
            field, q: [Double](repeating: 0, count: L * L), v: v0, langevin: langevin, seed: 99)
        let integrator = try LangevinIntegrator(parameters: langevin, noise: noise, noiseSeed: 5)
        for _ in 0..<2000 { try integrator.step(&state, forceField: field) }  // burn-in: 100 time units = 20/γ

        let blocks = 20, blockSteps = 1000
        var q2Blocks: [Double] = [], kineticBlocks: [Double] = []
        for _ in 0..<blocks {
            var q2 = 0.0, v2 = 0.0
            for _ in 0..<blockSteps {
                try integrator.step(&state, forceField: field)
                for i in 0..<(L * L) {
                    q2 += state.coordinates[i] * state.coordinates[i]
                    v2 += state.velocities[i] * state.velocities[i]
                }
            }
            q2Blocks.append(q2 / (n * Double(blockSteps)))
            kineticBlocks.append(langevin.mass * v2 / (n * Double(blockSteps)))
        }
        func meanAndError(_ x: [Double]) -> (Double, Double) {
            let mean = x.reduce(0, +) / Double(x.count)
            let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1)
            return (mean, (variance / Double(x.count)).squareRoot())
        }
        let exactQ2 = field.thermalMeanSquare(temperature: langevin.temperature)
        let (q2, q2Error) = meanAndError(q2Blocks)
        let (kinetic, kineticError) = meanAndError(kineticBlocks)
        #expect(q2Error < 0.02 * exactQ2 && kineticError < 0.02 * langevin.temperature)
        #expect(abs(q2 - exactQ2) < 4 * q2Error, "⟨Q²⟩ = \(q2) ± \(q2Error), exact \(exactQ2)")
        #expect(abs(kinetic - langevin.temperature) < 4 * kineticError, "m⟨v²⟩ = \(kinetic) ± \(kineticError)")
        // Negative control: the run resolves the coupling κ (uncoupled oscillators would give kT/k0).
        #expect(abs(q2 - langevin.temperature / field.holsteinParameters.stiffness) > 10 * q2Error)
    }

    @Test("Exact ⟨Q²⟩ formula: one mode per k; for κ = 0 it is kT/k0")
    func exactFormula() throws {
        let field = try HarmonicForceField(size: 5, parameters: HolsteinParameters(stiffness: 2, neighbourCoupling: 0))
        #expect(abs(field.thermalMeanSquare(temperature: 0.3) - 0.15) < 1e-15)
    }
}

@Suite("γ = 0: velocity Verlet conserves energy to O(dt²)")
struct EnergyConservationTests {
    /// Largest |E(t) − E(0)| over t ∈ [0, duration], E = ½ m Σ v² + Φ(Q).
    func energyError(_ field: any ForceField, dt: Double, duration: Double, q: [Double], v: [Double]) throws -> Double {
        let langevin = LangevinParameters(damping: 0, timeStep: dt, temperature: 0)
        var state = try preparedState(field, q: q, v: v, langevin: langevin)
        let integrator = try LangevinIntegrator(parameters: langevin)
        func energy(_ s: DynamicsState) -> Double {
            0.5 * langevin.mass * s.velocities.reduce(0) { $0 + $1 * $1 } + s.evaluation!.potentialEnergy!
        }
        let e0 = energy(state)
        var worst = 0.0
        for _ in 0..<Int((duration / dt).rounded()) {
            try integrator.step(&state, forceField: field)
            worst = max(worst, abs(energy(state) - e0))
        }
        return worst / abs(e0)
    }

    func ratios(
        _ field: any ForceField, duration: Double, qStd: Double, vStd: Double
    ) throws -> (errors: [Double], ratios: [Double]) {
        var generator = Xoshiro256(seed: 31)
        let q = generator.normals(field.siteCount, standardDeviation: qStd)
        let v = generator.normals(field.siteCount, standardDeviation: vStd)
        let errors = try [0.1, 0.05, 0.025].map { try energyError(field, dt: $0, duration: duration, q: q, v: v) }
        return (errors, [errors[0] / errors[1], errors[1] / errors[2]])
    }

    @Test("Harmonic lattice: halving dt divides the energy error by ≈ 4")
    func harmonic() throws {
        let (errors, ratios) = try ratios(try HarmonicForceField(size: 6), duration: 40, qStd: 1, vStd: 0.3)
        #expect(errors[1] < 1e-3, "relative energy error \(errors)")
        for r in ratios { #expect(r > 3.6 && r < 4.4, "ratios \(ratios)") }
    }

    @Test("ED forces (exact free-energy gradients) on 4×4: halving dt divides the error by ≈ 4")
    func exactDiagonalization() throws {
        let (errors, ratios) = try ratios(try EDForceField(size: 4), duration: 10, qStd: 0.5, vStd: 0.3)
        #expect(errors[1] < 1e-3, "relative energy error \(errors)")
        for r in ratios { #expect(r > 3.3 && r < 4.7, "ratios \(ratios)") }
    }
}
