import Electronic
import ForceFieldInterface
import ForceFields
import ForceModels
import HolsteinModel
import LinearAlgebra
import TestSupport
import Testing

@Suite("ForceField interface and batch evaluation")
struct ForceFieldTests {
    func configurations(count: Int, size L: Int, seed: UInt64) -> [Double] {
        var random = TestRandom(seed: seed)
        return random.field(count * L * L).map { 2 * $0 }
    }

    @Test("ED force field returns the solver's forces, densities and free energy")
    func edMatchesSolver() throws {
        let L = 6
        let q = configurations(count: 1, size: L, seed: 1)
        let field = try EDForceField(size: L)
        let (forces, densities, scalars) = try field.evaluate(q)
        let direct = try HolsteinSolver(size: L).solve(q)
        #expect(forces == direct.forces)
        #expect(densities == direct.densities)
        #expect(scalars.potentialEnergy == direct.summary.freeEnergy)
        #expect(scalars.chemicalPotential == direct.summary.chemicalPotential)
        #expect(field.descriptor.kind == "ed")
        #expect(field.latticeSize == L && field.siteCount == L * L)
    }

    @Test("Densities implied by the total force equal the ED densities")
    func impliedDensities() throws {
        let L = 6
        let q = configurations(count: 1, size: L, seed: 2)
        let field = try EDForceField(size: L, parameters: HolsteinParameters(coupling: 2.7, neighbourCoupling: 0.3))
        let (forces, densities, _) = try field.evaluate(q)
        var implied = [Double](repeating: 0, count: L * L)
        q.withUnsafeBufferPointer { qb in
            forces.withUnsafeBufferPointer { fb in
                implied.withUnsafeMutableBufferPointer { out in
                    ElasticForce.impliedDensities(
                        qb, forces: fb, size: L, parameters: field.holsteinParameters, into: out)
                }
            }
        }
        for i in 0..<(L * L) { #expect(abs(implied[i] - densities[i]) < 1e-12) }
    }

    /// OpenBLAS rounds differently with different thread counts, so the one-at-a-time reference
    /// runs with the thread count the strategy uses (1 per worker, or all cores).
    @Test("Both batch strategies give the one-at-a-time results bit for bit", arguments: BatchStrategy.allCases)
    func batchAgrees(strategy: BatchStrategy) throws {
        let L = 6, count = 7
        let qs = configurations(count: count, size: L, seed: 3)
        let field = try EDForceField(size: L)
        var reported = 0
        let batch = try BatchForceEvaluator(cores: 2).evaluate(
            field, configurations: qs, count: count, strategy: strategy
        ) {
            reported = max(reported, $0)
        }
        #expect(batch.strategy == strategy)
        #expect(reported == count)
        let single = try EDForceField(size: L)
        let threads = strategy == .parallelConfigurations ? 1 : 2
        for c in 0..<count {
            let (f, d, s) = try BLASRuntime.withThreads(threads) {
                try single.evaluate(Array(qs[(c * L * L)..<((c + 1) * L * L)]))
            }
            #expect(Array(batch.forces[(c * L * L)..<((c + 1) * L * L)]) == f)
            #expect(Array(batch.densities[(c * L * L)..<((c + 1) * L * L)]) == d)
            #expect(batch.scalars[c] == s)
        }
    }

    @Test("Automatic strategy: parallel for several configurations, multithreaded for one or when memory is short")
    func automaticStrategy() {
        let evaluator = BatchForceEvaluator(cores: 2, memoryBudget: 1e9)
        #expect(evaluator.strategy(count: 10, siteCount: 1600).0 == .parallelConfigurations)
        #expect(evaluator.strategy(count: 1, siteCount: 1600).0 == .multithreadedSolver)
        // 2 workers at N = 10000 need 2 × 3.2 GB: more than the 1 GB budget.
        #expect(evaluator.strategy(count: 10, siteCount: 10_000).0 == .multithreadedSolver)
    }

    @Test("A bad configuration in a batch is reported, a wrongly sized batch rejected")
    func batchErrors() throws {
        let L = 4
        var qs = configurations(count: 4, size: L, seed: 4)
        qs[37] = .nan
        let field = try EDForceField(size: L)
        for strategy in BatchStrategy.allCases {
            #expect(throws: ElectronicError.self) {
                _ = try BatchForceEvaluator(cores: 2).evaluate(field, configurations: qs, count: 4, strategy: strategy)
            }
        }
        #expect(throws: ElectronicBatchError.self) {
            _ = try BatchForceEvaluator().evaluate(field, configurations: [0, 1, 2], count: 1)
        }
    }
}
