import DataGeneration
import Datasets
import Electronic
import ForceFields
import Foundation
import Testing

@Suite("Dataset generation")
struct DataGenerationTests {
    func tinyPlan(seed: UInt64 = 3) -> GenerationPlan {
        var plan = GenerationPlan.small(seed: seed)
        plan.size = 8
        plan.randomCount = 10
        plan.quenchRuns = 2
        plan.quenchSteps = 40
        plan.snapshotSteps = [5, 10, 20, 40]
        return plan
    }

    func workDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("latticeff-gen-\(UUID().uuidString)")
    }

    @Test("Generated data obey the ED laws: forces match fresh ED, Σn = N/2, 0 ≤ n ≤ 1, kinds and steps recorded")
    func edLaws() throws {
        let plan = tinyPlan()
        let data = try DatasetGenerator(plan: plan, workDirectory: workDirectory()).run()
        #expect(data.count == 10 + 2 * 4)
        #expect(data.kinds.filter { $0 == .random }.count == 10)
        #expect(Array(data.steps.suffix(4)) == [5, 10, 20, 40])
        let n = data.siteCount
        let field = try EDForceField(size: plan.size, parameters: plan.holstein)
        for c in 0..<data.count {
            let d = Array(data.slice(data.densities, c))
            #expect(abs(d.reduce(0, +) - Double(n) / 2) < 1e-9)
            #expect(d.allSatisfy { $0 >= -1e-12 && $0 <= 1 + 1e-12 })
            let fresh = try field.evaluate(Array(data.slice(data.q, c)))
            let worst = zip(fresh.forces, data.slice(data.forces, c)).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-10, "configuration \(c): forces differ by \(worst)")
            // μ is recorded, and it is ED's μ for that configuration.
            let mu = try #require(data.chemicalPotentials)[c]
            #expect(abs(mu - fresh.scalars.chemicalPotential!) < 1e-10)
        }
        #expect(data.metadata.holstein == plan.holstein)
        // A dataset without μ gets it back by ED, checked against its stored forces.
        var stripped = data
        stripped.chemicalPotentials = nil
        let recovered = try stripped.withChemicalPotentials(cores: 2)
        #expect(zip(recovered.chemicalPotentials!, data.chemicalPotentials!).allSatisfy { abs($0 - $1) < 1e-10 })
        var tampered = stripped
        tampered.forces[3] += 1e-3
        #expect(throws: DatasetError.self) { _ = try tampered.withChemicalPotentials(cores: 2) }
    }

    @Test("An interrupted generation resumes from its finished pieces and gives the same dataset")
    func resume() throws {
        let plan = tinyPlan(seed: 9)
        let reference = try DatasetGenerator(plan: plan, workDirectory: workDirectory()).run()
        let dir = workDirectory()
        _ = try DatasetGenerator(plan: plan, workDirectory: dir).run()
        // Simulate an interruption: remove one random batch and one quench run, then run again.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("random-0001.npz"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("quench-0000.npz"))
        let generator = try DatasetGenerator(plan: plan, workDirectory: dir)
        #expect(generator.finishedPieces.random == 1 && generator.finishedPieces.quench == 1)
        #expect(try generator.run() == reference)
    }

    @Test("A work directory with another plan, and invalid plans, are rejected")
    func errors() throws {
        let dir = workDirectory()
        _ = try DatasetGenerator(plan: tinyPlan(seed: 1), workDirectory: dir)
        #expect(throws: DatasetError.self) { _ = try DatasetGenerator(plan: tinyPlan(seed: 2), workDirectory: dir) }
        var bad = tinyPlan()
        bad.snapshotSteps = [10, 5]
        #expect(throws: DatasetError.self) { _ = try DatasetGenerator(plan: bad, workDirectory: workDirectory()) }
        bad = tinyPlan(); bad.randomCount = 0; bad.quenchRuns = 0
        #expect(throws: DatasetError.self) { try bad.validate() }
        #expect(GenerationPlan.paper().totalCount == 600)
    }
}
