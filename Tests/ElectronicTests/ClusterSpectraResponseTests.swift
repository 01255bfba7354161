import Foundation
import HolsteinModel
import Testing

@testable import Electronic

/// The cluster densities' response to a uniform shift from stored spectra (what the tracked fixed-N
/// path sums at every trial shift): equal to the plain Fermi sums, to the finite difference in s,
/// exact at T = 0 and independent of the thread schedule.
@Suite("cluster spectra: sums and responses at any shift")
struct ClusterSpectraResponseTests {
    func spectra(_ L: Int, seed: UInt64, std: Double, temperature: Double = 0.1) throws -> ClusterSpectra {
        var h = HolsteinParameters()
        h.temperature = temperature
        h.filling = .fixedChemicalPotential(0)
        return try LocalClusterSolver(radius: 2.237, parameters: h).spectra(
            randomConfiguration(L, seed: seed, std: std), size: L)
    }

    /// g(Σ_k w f(θ − g s) − ½) with libm's exp, level by level: the reference.
    func reference(_ s: ClusterSpectra, shift: Double) -> [Double] {
        (0..<(s.size * s.size)).map { i in
            var density = 0.0
            for k in (i * s.stride)..<((i + 1) * s.stride) {
                let x = s.levels[k] - s.coupling * shift
                density += s.weights[k] * (s.temperature > 0 ? 1 / (1 + exp(x / s.temperature)) : (x < 0 ? 1 : 0))
            }
            return s.coupling * (density - 0.5)
        }
    }

    @Test(
        "G_i(s) equals the libm Fermi sums to 1e-14; χ_i = dG_i/ds equals the central difference; the sums are Σ_i",
        arguments: [(0.3, 0.0), (1.5, 0.2), (4.0, -0.7)])
    func forcesAndResponses(std: Double, shift: Double) throws {
        let s = try spectra(9, seed: UInt64(std * 10) + 1, std: std)
        let (forces, responses) = s.electronicForcesAndResponses(shift: shift)
        let expected = reference(s, shift: shift)
        #expect(zip(forces, expected).map { abs($0 - $1) }.max()! <= 1e-14)
        let h = 1e-5
        let (up, down) = (reference(s, shift: shift + h), reference(s, shift: shift - h))
        for i in forces.indices {
            let difference = (up[i] - down[i]) / (2 * h)
            #expect(abs(responses[i] - difference) <= 1e-6 * max(1, abs(difference)), "site \(i)")
            #expect(responses[i] >= 0)
        }
        let (sum, slope) = s.electronicForceSum(shift: shift)
        #expect(abs(sum - forces.reduce(0, +)) <= 1e-12 && abs(slope - responses.reduce(0, +)) <= 1e-10)
        #expect(s.electronicForceSum(shift: shift) == (sum, slope))  // fixed blocks: the same bits every time
        let rows = s.electronicForceRowSums(shift: shift)
        for threads in [1, 3, 7] {  // any thread count: the same bits
            var other = s
            other.threads = threads
            let (otherForces, otherResponses) = other.electronicForcesAndResponses(shift: shift)
            #expect(otherForces == forces && otherResponses == responses, "\(threads) threads")
            #expect(other.electronicForceSum(shift: shift) == (sum, slope), "\(threads) threads")
            let otherRows = other.electronicForceRowSums(shift: shift)
            #expect(otherRows.sums == rows.sums && otherRows.slopes == rows.slopes, "\(threads) threads")
        }
    }

    @Test("Far from every level (|θ − g s| ≫ 50 T) and at T = 0: occupations exactly 0/1, no response")
    func limits() throws {
        let s = try spectra(7, seed: 3, std: 1)
        let (empty, emptyResponse) = s.electronicForcesAndResponses(shift: -40)  // every level far above μ
        #expect(empty.allSatisfy { abs($0 + s.coupling / 2) <= 1e-15 } && emptyResponse.allSatisfy { $0 <= 1e-15 })
        let (full, _) = s.electronicForcesAndResponses(shift: 40)
        #expect(full.allSatisfy { abs($0 - s.coupling / 2) <= 1e-14 })
        let cold = try spectra(7, seed: 3, std: 1, temperature: 0)
        let (forces, responses) = cold.electronicForcesAndResponses(shift: 0.1)
        #expect(zip(forces, reference(cold, shift: 0.1)).allSatisfy { abs($0 - $1) <= 1e-14 })
        #expect(responses.allSatisfy { $0 == 0 })
    }

    @Test("the vector e^{−a} equals libm's exp(−a) to 4 ulp on [0, 50], at the range-reduction boundaries and ends")
    func exponential() {
        var arguments = (0...20_000).map { 50 * Double($0) / 20_000 }
        // a = (k + ½)·ln2 ± ε: where the rounding of a/ln2 changes k.
        for k in 0..<72 { arguments += [-1e-13, 0, 1e-13].map { (Double(k) + 0.5) * M_LN2 + $0 } }
        arguments += [0, .leastNonzeroMagnitude, 1e-300, 50]
        arguments = arguments.filter { $0 >= 0 && $0 <= 50 }
        var worst = 0.0
        for start in Swift.stride(from: 0, to: arguments.count - 7, by: 8) {
            let a = SIMD8(arguments[start..<(start + 8)])
            let e = negativeExponential(a)
            for lane in 0..<8 {
                let exact = exp(-a[lane])
                worst = max(worst, abs(e[lane] - exact) / exact.ulp)
            }
        }
        #expect(worst <= 4, "largest error \(worst) ulp")
    }
}
