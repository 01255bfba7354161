// Synthetic run directories in the format `latticeff simulate` writes, for analysis and CLI tests.

import Foundation
import IO

/// One snapshot to write: step, time and the Q and n fields (row-major [y, x], size²).
public struct SyntheticSnapshot {
    public var step: Int
    public var time: Double
    public var displacements: [Double]
    public var densities: [Double]

    public init(step: Int, time: Double, displacements: [Double], densities: [Double]) {
        self.step = step
        self.time = time
        self.displacements = displacements
        self.densities = densities
    }
}

/// Writes `DIR/params.json`, and per run `run-NNN/timeseries.csv` and `run-NNN/snapshots/step-XXXXXXXX.npz`
/// (arrays Q, v, F, n float64 [L, L], step int64 [1], time float64 [1]).
public func writeSyntheticRunDirectory(
    _ directory: URL, size: Int, runs: [[SyntheticSnapshot]],
    parameters: [String: Any]? = nil
) throws {
    let files = FileManager.default
    try files.createDirectory(at: directory, withIntermediateDirectories: true)
    let params =
        parameters ?? [
            "size": size, "temperature": 0.1, "dt": 0.05, "seed": 1, "runs": runs.count,
            "extra_field": "ignored",
        ]
    try JSONSerialization.data(withJSONObject: params, options: [.sortedKeys]).write(
        to: directory.appendingPathComponent("params.json"))
    for (index, snapshots) in runs.enumerated() {
        let run = directory.appendingPathComponent(String(format: "run-%03d", index))
        let snapshotDirectory = run.appendingPathComponent("snapshots")
        try files.createDirectory(at: snapshotDirectory, withIntermediateDirectories: true)
        var csv = "step,time,kinetic_temperature,potential_energy,mean_q,staggered_q,mean_density\n"
        for snapshot in snapshots {
            let meanQ = snapshot.displacements.reduce(0, +) / Double(size * size)
            let meanN = snapshot.densities.reduce(0, +) / Double(size * size)
            csv += "\(snapshot.step),\(snapshot.time),0.1,,\(meanQ),0,\(meanN)\n"
            let zeros = [Double](repeating: 0, count: size * size)
            let archive = NPZArchive(arrays: [
                "Q": try NumPyArray(snapshot.displacements, shape: [size, size]),
                "n": try NumPyArray(snapshot.densities, shape: [size, size]),
                "v": try NumPyArray(zeros, shape: [size, size]),
                "F": try NumPyArray(zeros, shape: [size, size]),
                "step": try NumPyArray([Int64(snapshot.step)], shape: [1]),
                "time": try NumPyArray([snapshot.time], shape: [1]),
            ])
            try archive.write(
                to: snapshotDirectory.appendingPathComponent(String(format: "step-%08d.npz", snapshot.step)))
        }
        try Data(csv.utf8).write(to: run.appendingPathComponent("timeseries.csv"))
    }
}

/// Staggered stripes with a sinusoidal envelope: n = ½ + δ(−1)^{x+y} cos(2π m x/L + phase) (or along y), whose
/// domain length is exactly L/(2π m). Q = −2(n − ½).
public func sinusoidalStripes(
    size: Int, wavenumber m: Int, phase: Double = 0, alongY: Bool = false,
    amplitude: Double = 0.3
) -> (displacements: [Double], densities: [Double]) {
    var n = [Double]()
    for y in 0..<size {
        for x in 0..<size {
            let coordinate = Double(alongY ? y : x)
            let stagger: Double = (x + y) % 2 == 0 ? 1 : -1
            n.append(0.5 + amplitude * stagger * cos(2 * Double.pi * Double(m) * coordinate / Double(size) + phase))
        }
    }
    return (n.map { -2 * ($0 - 0.5) }, n)
}

/// A run directory whose domain length grows as L(t) = size/(2π m(t)) with m = 2^{k}: exactly L ∝ t^α at the
/// times t_k = (2^{k})^{1/α} (k = 0 … levels−1, step = t/dt). Runs differ by phase and stripe direction.
public func writeGrowingDomains(
    _ directory: URL, size: Int, exponent: Double, levels: Int, runs: Int,
    dt: Double = 0.05
) throws -> [Int] {
    var steps: [Int] = []
    let runSnapshots: [[SyntheticSnapshot]] = (0..<runs).map { run in
        (0..<levels).map { k in
            let m = (1 << (levels - 1)) >> k  // finest stripes first
            let time = pow(pow(2, Double(k)), 1 / exponent)
            let step = Int((time / dt).rounded())
            if run == 0 { steps.append(step) }
            let fields = sinusoidalStripes(size: size, wavenumber: m, phase: 0.7 * Double(run), alongY: run % 2 == 1)
            return SyntheticSnapshot(
                step: step, time: Double(step) * dt, displacements: fields.displacements,
                densities: fields.densities)
        }
    }
    try writeSyntheticRunDirectory(
        directory, size: size, runs: runSnapshots,
        parameters: ["size": size, "dt": dt, "temperature": 0.1, "runs": runs])
    return steps
}

/// Replaces `DIR/run-NNN/timeseries.csv` (run `run`) with `csv`, e.g. to give known kinetic temperatures and
/// mean densities or an older header.
public func replaceTimeseries(_ directory: URL, run: Int, csv: String) throws {
    try Data(csv.utf8).write(
        to: directory.appendingPathComponent(String(format: "run-%03d", run)).appendingPathComponent("timeseries.csv"))
}
