// The coarsening analysis of a run directory: L(t) per run and averaged, the growth exponent, and C(r), S(q),
// S(k), φ and the scaling collapse at chosen steps.

import Foundation

/// What `analyzeEnsemble` computes besides L(t) at every common step.
public struct AnalysisOptions: Sendable {
    /// Steps for C(r), S(q), S(k) maps, φ snapshots and the collapse; `nil`: `defaultSelectedSteps(_:)`.
    public var selectedSteps: [Int]?
    /// Time window of the power-law fit; `nil`: `PowerLawFit.lateTimeWindow(times:)`.
    public var fitWindow: ClosedRange<Double>?
    /// Use the connected correlation ⟨(Q_i − Q̄)(Q_j − Q̄)⟩ instead of ⟨Q_i Q_j⟩ (the paper's, the
    /// default).
    public var connectedCorrelation: Bool
    /// Worker threads (each reads snapshots and owns its FFT plans).
    public var threads: Int

    public init(
        selectedSteps: [Int]? = nil, fitWindow: ClosedRange<Double>? = nil, connectedCorrelation: Bool = false,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.selectedSteps = selectedSteps
        self.fitWindow = fitWindow
        self.connectedCorrelation = connectedCorrelation
        self.threads = max(1, threads)
    }
}

/// A radial profile averaged over runs at one step: mean and standard error of the mean per bin.
public struct EnsembleProfile: Sendable, Equatable {
    public var step: Int
    public var time: Double
    public var distances: [Double]
    public var mean: [Double]
    /// Standard deviation over runs / √runs (NaN for a single run).
    public var standardError: [Double]
    /// Grid points per bin (per run).
    public var counts: [Int]

    /// Averages per-run profiles with identical bins.
    init(step: Int, time: Double, profiles: [RadialProfile]) {
        self.step = step
        self.time = time
        distances = profiles[0].distances
        counts = profiles[0].counts
        let statistics = (0..<distances.count).map { bin in meanAndStandardError(profiles.map { $0.values[bin] }) }
        mean = statistics.map(\.mean)
        standardError = statistics.map(\.standardError)
    }
}

/// Mean and standard error of the mean (sample standard deviation / √n; NaN for n = 1).
func meanAndStandardError(_ values: [Double]) -> (mean: Double, standardError: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0, +) / n
    guard values.count > 1 else { return (mean, .nan) }
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
    return (mean, (variance / n).squareRoot())
}

/// Everything `latticeff analyze` reports about one run directory.
public struct EnsembleAnalysis: Sendable {
    public var size: Int
    public var runNames: [String]
    public var parameters: [String: Double]
    /// Steps every run has a snapshot of, and their times (mean over runs).
    public var steps: [Int]
    public var times: [Double]
    /// L(t): `domainLengths[run][stepIndex]`.
    public var domainLengths: [[Double]]
    public var meanDomainLength: [Double]
    public var domainLengthError: [Double]
    /// The window all fits use.
    public var fitWindow: ClosedRange<Double>?
    /// Fit of the ensemble-averaged L(t) (`nil` if too few points).
    public var meanFit: PowerLawFit?
    /// Fit of each run's L(t) (`nil` where too few points).
    public var runFits: [PowerLawFit?]
    /// Mean ± standard error of the per-run exponents.
    public var exponent: EnsembleExponent
    /// The same fits in the automatic window (identical to the above when no window was given).
    public var automaticWindowFit: WindowedGrowthFit
    /// Kinetic temperature and mean density over each run, from timeseries.csv.
    public var conservation: ConservationReport
    public var selectedSteps: [Int]
    public var selectedTimes: [Double]
    /// C(r) of Q at each selected step, averaged over runs.
    public var correlations: [EnsembleProfile]
    /// S(q) (q = |k − Q|, shells of width 2π/L) at each selected step, averaged over runs.
    public var structureFactorProfiles: [EnsembleProfile]
    /// S(k) averaged over runs at each selected step (FFT order).
    public var meanStructureFactors: [LatticeField]
    /// φ of the first run at each selected step.
    public var orderParameterSnapshots: [LatticeField]
    /// S(q)/L² vs qL at the selected steps (ensemble-averaged S and L).
    public var collapse: ScalingCollapse

    /// Fit of the ensemble-averaged L(t) in the automatic window.
    public var automaticFit: PowerLawFit? { automaticWindowFit.meanFit }
    /// The per-run exponents in the automatic window.
    public var automaticExponent: EnsembleExponent { automaticWindowFit.exponent }
}

/// Up to three steps for snapshots and profiles: the first step after 0, the last, and the step nearest
/// their geometric mean (all steps when there are at most three).
public func defaultSelectedSteps(_ steps: [Int]) -> [Int] {
    let sorted = steps.sorted()
    guard sorted.count > 3, let last = sorted.last else { return sorted }
    let first = sorted.first(where: { $0 > 0 }) ?? sorted[0]
    let middleTarget = (Double(max(first, 1)) * Double(last)).squareRoot()
    let middle =
        sorted.filter { $0 != first && $0 != last }
        .min { abs(Double($0) - middleTarget) < abs(Double($1) - middleTarget) } ?? first
    return Array(Set([first, middle, last])).sorted()
}

/// Analyzes every run of `ensemble` at every common step (in parallel over `options.threads` workers).
/// - Throws: `AnalysisError` for unreadable snapshots, no common steps, or selected steps not in every run.
public func analyzeEnsemble(
    _ ensemble: RunEnsemble, options: AnalysisOptions = AnalysisOptions()
) throws -> EnsembleAnalysis {
    let steps = ensemble.commonSteps
    guard !steps.isEmpty else { throw AnalysisError("the runs in \(ensemble.directory.path) share no snapshot step") }
    let selected = try validatedSteps(options.selectedSteps ?? defaultSelectedSteps(steps), available: steps)
    let selectedIndex = Dictionary(uniqueKeysWithValues: selected.enumerated().map { ($1, $0) })
    let size = ensemble.size
    let runCount = ensemble.runs.count

    struct TaskResult {
        var time = 0.0, length = 0.0
        var correlation: RadialProfile?, profile: RadialProfile?, structureFactor: LatticeField?, phi: LatticeField?
    }
    let tasks = runCount * steps.count
    let results = try parallelMap(
        count: tasks, threads: options.threads, makeWorkspace: { RealFourierTransform2D(size: size) }
    ) {
        (task, fft) -> TaskResult in
        let run = task / steps.count, step = steps[task % steps.count]
        let snapshot = try ensemble.runs[run].snapshot(step: step, size: size)
        let s = structureFactor(snapshot.densities, transform: fft)
        var result = TaskResult(time: snapshot.time, length: domainLength(s))
        if selectedIndex[step] != nil {
            result.correlation = correlationFunction(
                snapshot.displacements, subtractMean: options.connectedCorrelation, transform: fft)
            result.profile = structureFactorProfile(s)
            result.structureFactor = s
            if run == 0 { result.phi = localCDWOrder(snapshot.densities) }
        }
        return result
    }
    func result(_ run: Int, _ stepIndex: Int) -> TaskResult { results[run * steps.count + stepIndex] }

    let times = steps.indices.map { j in (0..<runCount).reduce(0) { $0 + result($1, j).time } / Double(runCount) }
    let lengths = (0..<runCount).map { run in steps.indices.map { result(run, $0).length } }
    let lengthStatistics = steps.indices.map { j in meanAndStandardError(lengths.map { $0[j] }) }
    let meanLength = lengthStatistics.map(\.mean)

    let growth = WindowedGrowthFit(times: times, mean: meanLength, perRun: lengths, window: options.fitWindow)
    let automatic =
        options.fitWindow == nil
        ? growth : WindowedGrowthFit(times: times, mean: meanLength, perRun: lengths, window: nil)

    var correlations: [EnsembleProfile] = [], profiles: [EnsembleProfile] = [], maps: [LatticeField] = []
    var phis: [LatticeField] = [], curves: [CollapseCurve] = [], selectedTimes: [Double] = []
    for step in selected {
        let j = steps.firstIndex(of: step)!
        let perRun = (0..<runCount).map { result($0, j) }
        selectedTimes.append(times[j])
        correlations.append(EnsembleProfile(step: step, time: times[j], profiles: perRun.map { $0.correlation! }))
        let profile = EnsembleProfile(step: step, time: times[j], profiles: perRun.map { $0.profile! })
        profiles.append(profile)
        var sum = [Double](repeating: 0, count: size * size)
        for run in perRun { for i in sum.indices { sum[i] += run.structureFactor!.values[i] } }
        maps.append(try LatticeField(size: size, values: sum.map { $0 / Double(runCount) }))
        phis.append(perRun[0].phi!)
        if meanLength[j].isFinite && meanLength[j] > 0 {
            curves.append(
                CollapseCurve(
                    time: times[j], length: meanLength[j],
                    profile: RadialProfile(distances: profile.distances, values: profile.mean, counts: profile.counts)))
        }
    }
    return EnsembleAnalysis(
        size: size, runNames: ensemble.runs.map(\.name), parameters: ensemble.parameters, steps: steps, times: times,
        domainLengths: lengths, meanDomainLength: meanLength, domainLengthError: lengthStatistics.map(\.standardError),
        fitWindow: growth.window, meanFit: growth.meanFit, runFits: growth.runFits, exponent: growth.exponent,
        automaticWindowFit: automatic, conservation: ConservationReport(ensemble),
        selectedSteps: selected, selectedTimes: selectedTimes, correlations: correlations,
        structureFactorProfiles: profiles, meanStructureFactors: maps, orderParameterSnapshots: phis,
        collapse: ScalingCollapse(curves: curves))
}

/// `requested` sorted and deduplicated, if every one is in `available`.
func validatedSteps(_ requested: [Int], available: [Int]) throws -> [Int] {
    let availableSet = Set(available)
    if let missing = requested.first(where: { !availableSet.contains($0) }) {
        let list =
            available.count <= 8
            ? available.map(String.init).joined(separator: ", ")
            : "\(available.count) steps from \(available.first!) to \(available.last!)"
        throw AnalysisError("step \(missing) is not a snapshot of every run (available: \(list))")
    }
    guard !requested.isEmpty else { throw AnalysisError("no steps selected") }
    return Array(Set(requested)).sorted()
}
