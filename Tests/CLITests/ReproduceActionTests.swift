import ENN
import Foundation
import TestSupport
import Testing
import Training

@testable import LatticeFFCLI

/// `reproduce` runs its steps as library calls and displays each as a `latticeff` command: the displayed
/// command, parsed, must describe the same run, so it is runnable and reruns exactly that step.
@Suite("reproduce steps as typed values")
struct ReproduceActionTests {
    @Test("Every step's displayed command parses to a command with the typed step's values (paper and demo plans)")
    func displayedCommandsMatchTypedSteps() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let model = try smallModel(in: dir)
        let paper = try ReproducePlan(preset: .paper, output: dir.appendingPathComponent("paper"), model: nil, seed: 7)
        let demo = try ReproducePlan(
            preset: .demo, output: dir.appendingPathComponent("demo"), model: model.path, seed: 9)
        var kinds = Set<String>()
        for step in paper.steps + demo.steps {
            let parsed = try LatticeFF.parseAsRoot(step.arguments)
            switch step.action {
            case .generate(let output, let seed):
                let command = try #require(parsed as? GenerateCommand, "\(step.arguments)")
                #expect(try command.makeJob() == ReproduceAction.generationJob(output: output, seed: seed))
                #expect(!command.quiet)
                kinds.insert("generate")
            case .train(let run):
                let command = try #require(parsed as? TrainCommand, "\(step.arguments)")
                expectSame(try command.makeRequest(), try run.request())
                #expect(!command.quiet)
                kinds.insert("train")
            case .simulate(let run):
                let command = try #require(parsed as? SimulateCommand, "\(step.arguments)")
                #expect(try command.makeRequest() == run.request)
                #expect(command.output == run.output && !command.resume && !command.quiet)
                kinds.insert("simulate")
            case .compare(let first, let second, let steps, let output):
                let command = try #require(parsed as? AnalyzeCompare, "\(step.arguments)")
                #expect(command.first == first && command.second == second && command.output == output)
                #expect(try parseSteps(command.steps, option: "--steps") == steps)
                kinds.insert("compare")
            case .analyze(let run, let output, let window, let steps):
                let command = try #require(parsed as? AnalyzeRun, "\(step.arguments)")
                #expect(command.runDirectory == run && command.output == output)
                #expect(try command.steps.map { try parseSteps($0, option: "--steps") } == steps)
                #expect(try command.fitWindow.map(parseFitWindow) == window)
                kinds.insert("analyze")
            case .growth(let inputs, let labels, let window, let output):
                let command = try #require(parsed as? AnalyzeGrowth, "\(step.arguments)")
                #expect(command.directories == inputs && command.parsedLabels == labels && command.output == output)
                #expect(try command.fitWindow.map(parseFitWindow) == window)
                kinds.insert("growth")
            }
        }
        #expect(kinds == ["generate", "train", "simulate", "compare", "analyze", "growth"])
        // The demo's ED reference runs at the model's coupling, shown on its command line.
        let ed = try #require(demo.steps.first { $0.arguments.contains("ed") })
        #expect(ed.arguments.contains("--coupling"))
    }

    /// Expects two training requests to describe the same run (`TrainingRequest` is not `Equatable`: it may
    /// hold an initial model).
    private func expectSame(_ a: TrainingRequest, _ b: TrainingRequest) {
        #expect(a.data == b.data && a.output == b.output && a.recipe == b.recipe && a.architecture == b.architecture)
        #expect(a.radius == b.radius && a.ennWidths == b.ennWidths && a.mlpWidths == b.mlpWidths && a.seed == b.seed)
        #expect(a.epochs == b.epochs && a.earlyStopping == b.earlyStopping && a.maxMinutes == b.maxMinutes)
        #expect(a.validationData == b.validationData && a.validateOnAll == b.validateOnAll)
        #expect(a.validationFraction == b.validationFraction && a.splitSeed == b.splitSeed)
        #expect(a.limitTraining == b.limitTraining && a.resume == b.resume)
        #expect(a.initialModel == nil && b.initialModel == nil)
    }

    @Test("--preset and --only are typed: demo/paper and a list of parts, anything else refused at parse time")
    func typedPresetAndParts() throws {
        let plain = try ReproduceCommand.parse(["--output", "o"])
        #expect(plain.preset == .demo && plain.only == nil)
        let some = try ReproduceCommand.parse(["--output", "o", "--preset", "paper", "--only", "fig5,report"])
        #expect(some.preset == .paper && some.only == [.fig5, .report])
        for bad in [["--preset", "huge"], ["--only", "fig9"], ["--only", "fig5,"]] {
            #expect(throws: (any Error).self) { try ReproduceCommand.parse(["--output", "o"] + bad) }
        }
        #expect(
            ReproducePart.allCases.map(\.rawValue) == [
                "data", "train", "fig5", "coarsening", "ensembles", "accuracy", "report",
            ])
    }
}
