import DataGeneration
import Datasets
import ENN
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
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
        bad = tinyPlan()
        bad.randomCount = 0
        bad.quenchRuns = 0
        #expect(throws: DatasetError.self) { try bad.validate() }
        #expect(GenerationPlan.paper().totalCount == 600)
    }

    @Test(
        "--snapshots: exactly the count asked, distinct and ascending within the run (short runs too); the coarsening placement where it has no collisions; more than one per step refused",
        arguments: [(1, 1), (4, 20), (10, 12), (12, 300), (50, 2000), (291, 300), (300, 300)])
    func snapshotPlacement(count: Int, steps: Int) throws {
        let placed = try GenerationPlan.snapshotSteps(count: count, steps: steps)
        #expect(placed.count == count)
        #expect(placed == Array(Set(placed)).sorted() && placed.first! >= 1 && placed.last! <= steps)
        let split = max(1, steps / 5)
        let coarsening = GenerationPlan.coarseningSnapshotSteps(
            steps: steps, first: min(10, split), split: split, early: count / 2, late: count - count / 2)
        #expect(Set(coarsening).isSubset(of: Set(placed)))
        if coarsening.count == count { #expect(placed == coarsening) }
    }

    @Test("--snapshots beyond the run's steps, and counts below 1, are refused")
    func snapshotPlacementErrors() throws {
        #expect(throws: DatasetError.self) { _ = try GenerationPlan.snapshotSteps(count: 301, steps: 300) }
        #expect(throws: DatasetError.self) { _ = try GenerationPlan.snapshotSteps(count: 0, steps: 300) }
        #expect(throws: DatasetError.self) { _ = try GenerationPlan.snapshotSteps(count: 4, steps: 0) }
        // The paper's preset is the placement of 50 snapshots over 2000 steps.
        #expect(try GenerationPlan.snapshotSteps(count: 50, steps: 2000) == GenerationPlan.paper().snapshotSteps)
    }

    /// A small untrained electronic-readout network (exact elastic force, bounded electronic part)
    /// saved to a temporary file: a stand-in sampler whose trajectories differ from ED's.
    func samplerFile(holstein: HolsteinParameters) throws -> URL {
        let configuration = NetworkConfiguration(
            lattice: "square", group: "D4", radius: 2.0.squareRoot(), hiddenWidths: [[3], [2]],
            gate: .smooth)
        let network = try EquivariantNetwork<Float>(configuration: configuration, seed: 5, holstein: holstein)
        network.readout = .electronic
        let url = workDirectory().appendingPathExtension("npz")
        try network.save(to: url)
        return url
    }

    @Test(
        "Model-sampled runs: the model moves the lattice, ED labels every snapshot exactly; a changed model is refused")
    func sampledRuns() throws {
        var plan = tinyPlan(seed: 4)
        let url = try samplerFile(holstein: plan.holstein)
        let model = try EquivariantNetwork<Float>.load(from: url)
        plan.samplerModel = SamplerModel(path: url.path, weightsSHA256: model.weightsSHA256)
        #expect(plan.edSolves == 10 + 2 * 4)
        let dir = workDirectory()
        let data = try DatasetGenerator(plan: plan, workDirectory: dir).run()
        #expect(
            data.kinds.filter { $0 == .sampledQuench }.count == 8 && data.kinds.filter { $0 == .random }.count == 10)
        #expect(Array(data.steps.suffix(4)) == [5, 10, 20, 40])
        #expect(data.metadata.generator["samplerSHA256"] == model.weightsSHA256)
        let field = try EDForceField(size: plan.size, parameters: plan.holstein)
        for c in 10..<data.count {
            let fresh = try field.evaluate(Array(data.slice(data.q, c)))
            #expect(zip(fresh.forces, data.slice(data.forces, c)).allSatisfy { abs($0 - $1) < 1e-10 })
            #expect(abs(Array(data.slice(data.densities, c)).reduce(0, +) - Double(data.siteCount) / 2) < 1e-9)
            #expect(abs(try #require(data.chemicalPotentials)[c] - fresh.scalars.chemicalPotential!) < 1e-10)
        }
        // The same runs driven by ED give other snapshots (the model is not ED), from the same start.
        var edPlan = plan
        edPlan.samplerModel = nil
        let edData = try DatasetGenerator(plan: edPlan, workDirectory: workDirectory()).run()
        #expect(edData.q[0..<(10 * data.siteCount)] == data.q[0..<(10 * data.siteCount)])
        #expect(edData.q.suffix(data.siteCount) != data.q.suffix(data.siteCount))
        #expect(edData.kinds.last == .quench)
        // A resumed generation refuses a sampler whose weights changed, and a model for other parameters.
        model.parameters[0] += 0.5
        try model.save(to: url)
        #expect(throws: DatasetError.self) { _ = try DatasetGenerator(plan: plan, workDirectory: dir) }
        var other = plan.holstein
        other.coupling += 0.5
        let otherURL = try samplerFile(holstein: other)
        var mismatched = tinyPlan(seed: 4)
        mismatched.samplerModel = SamplerModel(
            path: otherURL.path, weightsSHA256: try EquivariantNetwork<Float>.load(from: otherURL).weightsSHA256)
        #expect(throws: DatasetError.self) {
            _ = try DatasetGenerator(plan: mismatched, workDirectory: workDirectory())
        }
    }
}
