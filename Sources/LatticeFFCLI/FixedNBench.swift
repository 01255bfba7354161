import ArgumentParser
import Benchmarks
import Dynamics
import ForceFields
import ForceModels
import Foundation

/// Where `bench fixed-n` starts its trajectory.
enum TrajectoryStart: String, CaseIterable, ExpressibleByArgument {
    /// The reference hot start (a quench: the post-quench trajectory of the paper's Sec. III).
    case hot
    /// The ordered checkerboard CDW with noise 0.1 (gapped domains, a flat mean force).
    case ordered
}

/// `latticeff bench fixed-n`: the tracked fixed-N forces against the exact root search along a trajectory.
struct FixedNBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixed-n",
        abstract:
            "Tracked fixed-N forces (≈ 1 network pass per step) against the exact search for μ along a trajectory.",
        discussion: """
            Drives a Langevin trajectory with the model's tracked fixed-N forces and compares them with the exact \
            root search for μ (to |mean G| ≤ 1e-12) on the same configurations: the largest and RMS force \
            difference, the μ difference, the network passes per step of both.
            """)

    enum Defaults: BenchDefaults {
        static let sizes: String? = nil, minimumSize = 8, repeats: Int? = nil
    }
    @Option(help: "Grand-canonical model file (.npz) (default: the shipped model).")
    var model: String?
    @Option(help: "Lattice size L.")
    var size: Int = 200
    @Option(help: "Langevin steps (time step 0.05).")
    var steps: Int = 2000
    @Option(help: "Start of the trajectory: hot (quench) or ordered (CDW).")
    var start: TrajectoryStart = .hot
    @Option(help: "Compare with the exact search every this many steps.")
    var compareEvery: Int = 1
    @Option(help: "Bath temperature kT of the Langevin trajectory.")
    var temperature: Double = LangevinParameters().temperature
    @Option(help: "Tolerance of the tracked path's error estimate (force units).")
    var tolerance: Double = ShiftTrackingSettings().tolerance
    @Option(help: "Network passes per step at most on the tracked path.")
    var maximumPasses: Int = ShiftTrackingSettings().maximumPasses
    @Option(help: "Measure the network's response again after this many steps.")
    var maximumResponseAge: Int = ShiftTrackingSettings().maximumResponseAge
    @OptionGroup var bench: BenchOptions<Defaults>

    func validate() throws {
        guard size >= Defaults.minimumSize else { throw ValidationError("--size must be ≥ 8, got \(size)") }
        guard steps >= 1, compareEvery >= 1 else { throw ValidationError("--steps and --compare-every must be ≥ 1") }
        guard tolerance > 0, tolerance.isFinite else { throw ValidationError("--tolerance must be > 0") }
        guard temperature >= 0, temperature.isFinite else {
            throw ValidationError("--temperature must be a finite kT ≥ 0, got \(temperature)")
        }
        guard maximumPasses >= 1, maximumResponseAge >= 0 else {
            throw ValidationError("--maximum-passes must be ≥ 1 and --maximum-response-age ≥ 0")
        }
    }

    func run() throws {
        bench.printHeader()
        let path = model ?? ReproducePlan.shippedModel()
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("model \(path): no such file") }
        guard let trackable = try ForceModelFile.load(from: URL(fileURLWithPath: path)) as? any ShiftTrackableModel,
            trackable.readout == .grandCanonical, trackable.holstein.filling == .fixedElectronNumber
        else { throw CLIError("\(path) is not a grand-canonical model at fixed electron number: nothing to track") }
        bench.line(
            "# model: \(path); L = \(size), \(steps) steps from the \(start.rawValue) start at kT = \(temperature)")
        var settings = ShiftTrackingSettings()
        settings.tolerance = tolerance
        settings.maximumPasses = maximumPasses
        settings.maximumResponseAge = maximumResponseAge
        let result = try checkShiftTracking(
            model: trackable, size: size, steps: steps, ordered: start == .ordered, compareEvery: compareEvery,
            temperature: temperature, settings: settings, progress: bench.line)
        bench.line(
            String(
                format: """
                    tracked: %.3f passes/step (max %d), %.4f s/step; exact search: %.2f passes; \
                    max |ΔF| %.2e, RMS %.2e, max |Δμ| %.2e, max estimate %.2e, max |ΣΔn| %.2e; \
                    %d compared steps over the tolerance, max |ΔF| %.2e on the others
                    """,
                result.passesPerStep, result.maximumPasses, result.secondsPerStep, result.exactPassesPerStep,
                result.maximumForceDifference, result.rmsForceDifference, result.maximumChemicalPotentialDifference,
                result.maximumErrorEstimate, result.maximumElectronNumberError, result.comparedStepsOverTolerance,
                result.maximumForceDifferenceWithinTolerance))
        try bench.finish(result)
    }
}
