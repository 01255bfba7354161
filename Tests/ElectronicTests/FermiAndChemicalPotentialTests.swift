import Foundation
import HolsteinModel
import Testing

@testable import Electronic

struct FermiAndChemicalPotentialTests {
    @Test func fermiFunctionLimits() {
        #expect(FermiFunction.occupation(0, temperature: 0) == 0.5)
        #expect(FermiFunction.occupation(-1e-300, temperature: 0) == 1)
        #expect(FermiFunction.occupation(1e-300, temperature: 0) == 0)
        #expect(FermiFunction.occupation(1e6, temperature: 1e-3) == 0)
        #expect(FermiFunction.occupation(-1e6, temperature: 1e-3) == 1)
        #expect(abs(FermiFunction.occupation(0.3, temperature: 0.5) - 1 / (1 + exp(0.6))) <= 1e-15)
        #expect(FermiFunction.grandPotentialTerm(-5, temperature: 0) == -5)
        #expect(FermiFunction.grandPotentialTerm(5, temperature: 0) == 0)
        let t = 0.2, x = 0.1
        #expect(abs(FermiFunction.grandPotentialTerm(x, temperature: t) - (-t * log(1 + exp(-x / t)))) <= 1e-15)
        #expect(FermiFunction.grandPotentialTerm(-1e5, temperature: 1e-2).isFinite)
    }

    @Test func chemicalPotentialInGapIsMidGap() throws {
        let eps: [Double] = [-7.2, -7.0, -6.9, 6.8, 7.1, 7.3]
        for t in [0.0, 0.05, 0.1] {
            let mu = try eps.withUnsafeBufferPointer {
                try ChemicalPotential.solve(eigenvalues: $0, electronCount: 3, temperature: t)
            }
            #expect(abs(mu + 0.05) <= 1e-12, "T=\(t): μ = \(mu)")
        }
    }

    @Test func chemicalPotentialRootAccuracy() throws {
        let eps: [Double] = [-2, -1.5, -1.4, -0.2, 0.1, 0.15, 1.3, 2.2]
        for t in [0.05, 0.3, 2.0] {
            for ne in [1.0, 3.0, 4.0, 5.5, 7.0] {
                let mu = try eps.withUnsafeBufferPointer {
                    try ChemicalPotential.solve(eigenvalues: $0, electronCount: ne, temperature: t)
                }
                let total = eps.reduce(0) { $0 + FermiFunction.occupation($1 - mu, temperature: t) }
                #expect(abs(total - ne) <= 1e-10, "T=\(t) Ne=\(ne)")
            }
        }
        #expect(throws: ElectronicError.self) {
            try eps.withUnsafeBufferPointer {
                _ = try ChemicalPotential.solve(eigenvalues: $0, electronCount: 0, temperature: 0.1)
            }
        }
    }

    @Test func degenerateShellAtZeroTemperature() throws {
        let eps: [Double] = [-3, -1, 0, 0, 0, 1]
        var f = [Double](repeating: 0, count: 6)
        let mu = try eps.withUnsafeBufferPointer { e in
            try f.withUnsafeMutableBufferPointer {
                try ChemicalPotential.occupations(eigenvalues: e, electronCount: 3, temperature: 0, into: $0)
            }
        }
        #expect(mu == 0)
        let third: Double = 1.0 / 3
        let expected: [Double] = [1, 1, third, third, third, 0]
        #expect(f == expected)
    }
}
