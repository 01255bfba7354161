/// Exact-diagonalization forces as a `ForceField`.

import Electronic
import ForceFieldInterface
import HolsteinModel

/// Holstein ED forces (`HolsteinSolver`) behind the `ForceField` interface.
public final class EDForceField: ForceField {
    public let solver: HolsteinSolver
    private var densityScratch: [Double]

    /// Throws `ElectronicError` for L < 2 or invalid parameters.
    public init(size L: Int, parameters: HolsteinParameters = HolsteinParameters()) throws {
        solver = try HolsteinSolver(size: L, parameters: parameters)
        densityScratch = [Double](repeating: 0, count: L * L)
    }

    public var latticeSize: Int { solver.size }
    public var holsteinParameters: HolsteinParameters { solver.parameters }
    public var descriptor: ForceFieldDescriptor { ForceFieldDescriptor(kind: "ed", holstein: solver.parameters) }

    public func evaluate(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?
    ) throws -> ForceEvaluation {
        let summary: HolsteinSummary
        if let densities {
            summary = try solver.solve(q, densities: densities, forces: forces)
        } else {
            summary = try densityScratch.withUnsafeMutableBufferPointer {
                try solver.solve(q, densities: $0, forces: forces)
            }
        }
        return ForceEvaluation(
            potentialEnergy: summary.freeEnergy, chemicalPotential: summary.chemicalPotential,
            electronCount: summary.electronCount, electronicEnergy: summary.electronicEnergy,
            elasticEnergy: summary.elasticEnergy)
    }

    public func makeIndependentCopy() throws -> any ForceField {
        try EDForceField(size: solver.size, parameters: solver.parameters)
    }
}
