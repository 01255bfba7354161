import Foundation
import HolsteinModel
import LinearAlgebra
import TestSupport
import Testing

@testable import Electronic

/// Local-cluster densities: exact limits, locality against full ED, symmetries, errors.
@Suite("local cluster solver")
struct LocalClusterSolverTests {
    let atZero: HolsteinParameters = {
        var h = HolsteinParameters()
        h.filling = .fixedChemicalPotential(0)
        return h
    }()

    @Test(
        "cluster shapes: 5, 9, 13, 21, 45 sites within 1, √2, 2, √5, √13; bonds are the open square-lattice bonds"
    )
    func shapes() throws {
        for (radius, sites, bonds) in [
            (1.0, 5, 4), (2.0.squareRoot(), 9, 12), (2.0, 13, 16), (5.0.squareRoot(), 21, 32),
            (13.0.squareRoot(), 45, 76),
        ] {
            let solver = try LocalClusterSolver(radius: radius, parameters: atZero)
            #expect(
                solver.siteCount == sites && solver.bonds.count == bonds,
                "radius \(radius): \(solver.siteCount) sites, \(solver.bonds.count) bonds")
            #expect(solver.offsets[0] == (0, 0))
        }
    }

    @Test("atomic limit t = 0: g(f(−gQ_i) − ½) = (g/2)·tanh(gQ_i/2T) on every site", arguments: [0.05, 0.1, 0.4])
    func atomicLimit(temperature: Double) throws {
        var h = atZero
        h.hopping = 0
        h.temperature = temperature
        let q = randomConfiguration(9, seed: 3, std: 0.3)
        let forces = try LocalClusterSolver(radius: 5.0.squareRoot(), parameters: h).electronicForces(q, size: 9)
        for i in q.indices {
            #expect(abs(forces[i] - 0.5 * h.coupling * tanh(h.coupling * q[i] / (2 * temperature))) < 1e-12)
        }
    }

    @Test("locality: on gapped configurations the cluster reproduces full ED at μ = 0, better for a larger cluster")
    func locality() throws {
        let L = 14
        var rng = SeededGenerator(seed: 8)
        // Strong, disordered distortions (|Q| ≥ 1.5, random signs): every level far from μ = 0.
        let q = (0..<(L * L)).map { _ in (rng.normal() > 0 ? 1 : -1) * (1.5 + abs(rng.normal())) }
        let exact = try HolsteinSolver(size: L, parameters: atZero).solve(q).densities.map {
            atZero.coupling * ($0 - 0.5)
        }
        var errors: [Double] = []
        for radius in [1.0, 5.0.squareRoot(), 13.0.squareRoot()] {
            let cluster = try LocalClusterSolver(radius: radius, parameters: atZero).electronicForces(q, size: L)
            errors.append(zip(cluster, exact).map { abs($0 - $1) }.max()!)
        }
        #expect(errors[1] < 1e-2 && errors[2] < 1e-4, "\(errors)")
        #expect(errors[0] > errors[1] && errors[1] > errors[2], "\(errors)")
    }

    @Test("particle–hole: G(−Q) = −G(Q) at μ = 0; independent of the thread count")
    func particleHole() throws {
        let solver = try LocalClusterSolver(radius: 5.0.squareRoot(), parameters: atZero)
        let q = randomConfiguration(10, seed: 5)
        let forces = try solver.electronicForces(q, size: 10)
        let mirrored = try solver.electronicForces(q.map { -$0 }, size: 10)
        #expect(zip(forces, mirrored).map { abs($0 + $1) }.max()! < 1e-12)
        #expect(try solver.electronicForces(q, size: 10, threads: 1) == forces)
    }

    @Test("D4 and translations: the cluster force of a rotated, reflected, shifted field is the moved force field")
    func symmetry() throws {
        let solver = try LocalClusterSolver(radius: 13.0.squareRoot(), parameters: atZero)
        let check = try checkForceEquivariance(
            of: { q, L in try solver.electronicForces(q, size: L) },
            configuration: randomConfiguration(9, seed: 12), size: 9, tolerance: .float64Exact)
        #expect(check.passes, "\(check)")
    }

    @Test("errors: radius out of range, L too small for the cluster, wrong configuration size")
    func errors() throws {
        #expect(throws: ElectronicError.self) { _ = try LocalClusterSolver(radius: 0.5, parameters: atZero) }
        #expect(throws: ElectronicError.self) { _ = try LocalClusterSolver(radius: .nan, parameters: atZero) }
        let solver = try LocalClusterSolver(radius: 13.0.squareRoot(), parameters: atZero)
        #expect { _ = try solver.electronicForces([Double](repeating: 0, count: 36), size: 6) } throws: {
            "\($0)".contains("L ≥ 7")
        }
        #expect { _ = try solver.electronicForces([Double](repeating: 0, count: 10), size: 7) } throws: {
            "\($0)".contains("7×7")
        }
    }
}

@Suite("cluster centre spectra (Lanczos + QL against LAPACK)")
struct ClusterSpectrumTests {
    @Test("Lanczos equals every LAPACK driver to 1e-12 for clusters of 5 to 45 sites; a shift only moves the levels")
    func lanczosMatchesLAPACK() throws {
        var h = HolsteinParameters()
        h.filling = .fixedChemicalPotential(0)
        let L = 11
        for (std, seed) in [(0.2, UInt64(1)), (1.0, 2), (3.0, 3)] {
            let q = randomConfiguration(L, seed: seed, std: std)
            for radius in [1.0, 2.0, 5.0.squareRoot(), 13.0.squareRoot()] {
                var solver = try LocalClusterSolver(radius: radius, parameters: h)
                let lanczos = try solver.electronicForces(q, size: L)
                for driver in SmallSymmetricEigensolver.Driver.allCases {
                    solver.method = .lapack(driver)
                    let reference = try solver.electronicForces(q, size: L)
                    #expect(
                        zip(lanczos, reference).map { abs($0 - $1) }.max()! < 1e-12,
                        "std \(std), radius \(radius), \(driver)")
                }
                solver.method = .lanczos
                let spectra = try solver.spectra(q, size: L)
                for i in 0..<(L * L) {
                    let w = spectra.weights[(i * spectra.stride)..<((i + 1) * spectra.stride)]
                    #expect(abs(w.reduce(0, +) - 1) < 1e-12, "weights sum to 1")
                }
                let shifted = try solver.electronicForces(q.map { $0 + 0.37 }, size: L)
                #expect(zip(spectra.electronicForces(shift: 0.37), shifted).map { abs($0 - $1) }.max()! < 1e-11)
            }
        }
    }
}
