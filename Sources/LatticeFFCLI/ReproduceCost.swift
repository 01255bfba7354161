import Dynamics
import ForceFieldInterface
import Foundation
import LinearAlgebra
import RandomNumbers

/// The measured cost of `reproduce`'s simulations on this machine: each distinct force field and lattice of
/// the plan is timed on the reference hot start (three force evaluations along the way a trajectory makes
/// them, the last two timed), with the threads and parallel runs the simulation will use. Cost: a few
/// seconds; the estimate then counts only the steps still to run.
struct ReproduceCost {
    /// Measured seconds per step (all runs of an ensemble together), by "forces @ L" key.
    private(set) var secondsPerStep: [String: Double] = [:]
    /// Measured seconds per step of one trajectory (for display), by key.
    private(set) var display: [(key: String, seconds: Double)] = []

    private static func key(_ run: SimulateRun) -> String { "\(run.forces) @ \(run.size)×\(run.size)" }

    /// Times every simulation among `steps` that is not finished (`ReproduceAction.isFinished`).
    static func measure(_ steps: [ReproducePlan.Step], models: ModelCache) throws -> ReproduceCost {
        var cost = ReproduceCost()
        for step in steps {
            guard case .simulate(let run) = step.action, cost.secondsPerStep[key(run)] == nil,
                try !step.action.isFinished()
            else { continue }
            let forceField = try run.request.forces.withAbsoluteModelPath.makeForceField(
                size: run.size, holstein: run.request.holstein, loadModel: models.load)
            let plan = ExecutionPlan.choose(forceFieldKind: forceField.descriptor.kind, size: run.size, runs: run.runs)
            let seconds = try BLASRuntime.withThreads(plan.blasThreads) { try timeEvaluations(forceField, run: run) }
            cost.secondsPerStep[key(run)] = seconds / Double(plan.workers)
            cost.display.append((key(run), seconds))
        }
        return cost
    }

    /// Seconds of one force evaluation: the mean of evaluations 2 and 3 from the reference hot start.
    private static func timeEvaluations(_ forceField: any ForceField, run: SimulateRun) throws -> Double {
        var generator = Xoshiro256(seed: run.seed)
        let langevin = run.request.langevin
        let (q, _) = try InitialCondition.referenceHotStart(mass: langevin.mass).make(
            size: run.size, maxwellStd: (langevin.temperature / langevin.mass).squareRoot(), generator: &generator)
        var forces = [Double](repeating: 0, count: q.count)
        var previous: ForceEvaluation?
        var elapsed = 0.0
        for index in 0..<3 {
            let start = Date()
            previous = try q.withUnsafeBufferPointer { qb in
                try forces.withUnsafeMutableBufferPointer { f in
                    try forceField.evaluate(qb, forces: f, densities: nil, previous: previous)
                }
            }
            if index > 0 { elapsed += Date().timeIntervalSince(start) }
        }
        return elapsed / 2
    }

    /// `step` with its estimate replaced by the measured cost of the steps left (simulations only).
    func estimated(_ step: ReproducePlan.Step) throws -> ReproducePlan.Step {
        guard case .simulate(let run) = step.action, let perStep = secondsPerStep[Self.key(run)] else { return step }
        var done = 0
        if let simulation = try run.existingSimulation() { done = try simulation.stepsDone() }
        var measured = step
        measured.seconds = perStep * Double(run.runs * run.steps - done)
        return measured
    }

    /// "ed @ 40×40: 0.27 s/step; …" for the header line.
    var summary: String {
        display.map { "\($0.key) \(String(format: "%.3g", $0.seconds)) s/step" }.joined(separator: "; ")
    }
}

/// Wall time of each `reproduce` stage, accumulated over invocations in OUTPUT/reproduce-stages.json
/// ({"stages": [{"command", "part", "seconds", "finished"}]}): a stage resumed later adds to its entry.
struct ReproduceStageLog {
    let url: URL
    private(set) var entries: [[String: Any]] = []

    init(output: URL) {
        url = output.appendingPathComponent("reproduce-stages.json")
        if let data = try? Data(contentsOf: url),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let stages = json["stages"] as? [[String: Any]]
        {
            entries = stages
        }
    }

    /// Seconds recorded for `command` (nil: never run through reproduce).
    func seconds(command: String) -> Double? {
        entries.first { $0["command"] as? String == command }?["seconds"] as? Double
    }

    /// Adds `seconds` to `command`'s entry and rewrites the file atomically.
    mutating func record(command: String, part: String, seconds: Double) throws {
        let finished = ISO8601DateFormatter().string(from: Date())
        if let index = entries.firstIndex(where: { $0["command"] as? String == command }) {
            entries[index]["seconds"] = (entries[index]["seconds"] as? Double ?? 0) + seconds
            entries[index]["finished"] = finished
        } else {
            entries.append(["command": command, "part": part, "seconds": seconds, "finished": finished])
        }
        let data = try JSONSerialization.data(
            withJSONObject: ["stages": entries], options: [.prettyPrinted, .sortedKeys])
        try data.write(to: url, options: .atomic)
    }
}
