import ArgumentParser
import Foundation

/// `latticeff reproduce`: the paper's Sec. III chain — ML vs ED validation (Fig. 5) and coarsening
/// after quenches to kT = 0.1, 0.2, 0.3 (Figs. 6–7) — as a sequence of ordinary `latticeff`
/// commands, each printed and recorded in the report so any part can be rerun by hand.
struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Run the paper's chain (dataset, training, ML vs ED, coarsening, analysis) and write report.md.",
        discussion: """
        --preset demo: a REDUCED version for a first look (≈ 5 min on 2 cores): the shipped model, \
        ML vs ED on 24×24 (4 runs × 1000 steps), coarsening on 64×64 for 2000 steps per temperature. \
        --preset paper: the full protocol (dataset of 600 ED configurations on 40×40, training, 30 runs \
        of ML and ED dynamics on 40×40 for 9000 steps, 200×200 coarsening for 25,000 steps per \
        temperature); its cost is estimated first and every part is resumable (--only PART). \
        Parts: data, train, fig5, coarsening, report.
        """)

    @Option(help: "demo or paper.") var preset: String = "demo"
    @Option(help: "Output directory (created; rerunning continues finished parts).") var output: String
    @Option(help: "Use this model instead of training one (default for demo: models/holstein-square-d4.npz).") var model: String?
    @Option(help: "Only these parts (comma-separated: data,train,fig5,coarsening,report).") var only: String?
    @Option(help: "Base seed.") var seed: UInt64 = 2024
    @Flag(help: "Print the plan and its estimated cost, run nothing.") var dryRun = false
    @Flag(help: .hidden) var tiny = false

    static let parts = ["data", "train", "fig5", "coarsening", "report"]

    func validate() throws {
        guard ReproducePlan.presets.contains(preset) else { throw ValidationError("unknown preset '\(preset)' (use demo or paper)") }
        if let only {
            for p in only.split(separator: ",") where !Self.parts.contains(String(p)) {
                throw ValidationError("unknown part '\(p)' in --only (use \(Self.parts.joined(separator: ", ")))")
            }
        }
    }

    func run() throws {
        let out = URL(fileURLWithPath: output)
        let plan = try ReproducePlan(preset: preset, output: out, model: model, seed: seed, tiny: tiny)
        if !dryRun {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            guard FileManager.default.isWritableFile(atPath: out.path) else { throw CLIError("output directory \(output) is not writable") }
        }
        let selected = Set(only.map { $0.split(separator: ",").map(String.init) } ?? Self.parts)
        printError("reproduce: preset \(preset)\(preset == "demo" ? " — a REDUCED version of the paper's protocol (smaller lattices, fewer runs and steps)" : ""); estimated cost \(formatDuration(plan.estimatedSeconds(parts: selected))) on 2 cores")
        for step in plan.steps where selected.contains(step.part) {
            printError("\n$ latticeff " + step.arguments.map(shellQuoted).joined(separator: " "))
            if dryRun { continue }
            if step.skipIfExists.map({ FileManager.default.fileExists(atPath: $0) }) ?? false {
                printError("  (done before: \(step.skipIfExists!) exists)")
                continue
            }
            var command = try LatticeFF.parseAsRoot(step.arguments)
            try command.run()
        }
        if selected.contains("report"), !dryRun {
            let report = try plan.writeReport()
            printError("\nreproduce: report written to \(report.path)")
        }
    }
}

/// Quotes an argument for display in a shell command line.
func shellQuoted(_ s: String) -> String {
    s.allSatisfy { $0.isLetter || $0.isNumber || "-_./,=:".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
