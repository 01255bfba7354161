import ENN
import Foundation
import Testing
import ForceModels

/// `latticeff reproduce` end to end at a tiny size (the full demo is the README's main job).
@Suite("latticeff reproduce")
struct ReproduceCommandTests {
    @Test("The demo chain runs at a tiny size: ML vs ED comparison, three quenches, analyses and report.md")
    func tinyDemo() throws {
        let dir = try temporaryDirectory()
        let model = dir.appendingPathComponent("model.npz")
        // A small untrained network: the chain, not the accuracy, is under test.
        let network = try EquivariantNetwork<Float>(configuration: NetworkConfiguration(radius: 2, hiddenWidths: [[3], [2]]), seed: 1)
        try network.save(to: model)
        let out = dir.appendingPathComponent("repro")
        let run = try runLatticeFF(["reproduce", "--preset", "demo", "--tiny", "--model", model.path, "--output", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let fm = FileManager.default
        for file in ["report.md", "fig5/compare/comparison.json", "fig5/ed/params.json", "fig5/ml/params.json",
                     "coarsening/kT0.1/analysis/analysis.json", "coarsening/kT0.3/analysis/domain_length.png"] {
            #expect(fm.fileExists(atPath: out.appendingPathComponent(file).path), "missing \(file)")
        }
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("reduced version"))
        #expect(report.contains("| 0.2 |") && report.contains("0.115"))
        // A second invocation continues: finished simulations are not redone.
        let again = try runLatticeFF(["reproduce", "--preset", "demo", "--tiny", "--model", model.path, "--output", out.path, "--only", "fig5,report"])
        #expect(again.status == 0 && again.stderr.contains("done before"), "\(again.stderr)")
    }

    @Test("Unknown presets and parts, and a missing model, are one-line errors")
    func badInput() throws {
        let dir = try temporaryDirectory()
        for args in [["--preset", "huge"], ["--only", "fig9"], ["--model", dir.appendingPathComponent("none.npz").path]] {
            let run = try runLatticeFF(["reproduce", "--output", dir.appendingPathComponent("o").path] + args)
            #expect(run.status != 0)
            #expect(run.stderr.hasPrefix("Error:"), "\(args): \(run.stderr)")
        }
    }
}
