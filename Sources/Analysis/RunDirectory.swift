// Reading `latticeff simulate` run directories: params.json, run-NNN/timeseries.csv, run-NNN/snapshots/*.npz.

import Foundation
import IO

/// One snapshot of a run: the displacements Q and densities n (both L × L) at a step and time.
public struct Snapshot: Sendable {
    public var step: Int
    public var time: Double
    public var displacements: LatticeField
    public var densities: LatticeField
}

/// One run (`run-NNN/`): its snapshot files by step.
public struct RunRecord: Sendable {
    /// The directory name, e.g. `run-000`.
    public var name: String
    public var directory: URL
    /// Snapshot file of each step (`snapshots/step-XXXXXXXX.npz`).
    public var snapshotFiles: [Int: URL]

    /// The snapshot steps, ascending.
    public var steps: [Int] { snapshotFiles.keys.sorted() }

    /// Reads the snapshot of `step`: arrays `Q` and `n` (float64 `[size, size]`), `time` (float64, one value;
    /// `step` is not needed). Other members (`v`, `F`, …) are ignored.
    /// - Throws: `AnalysisError` naming the file and the problem (missing step, corrupt archive, wrong shape).
    public func snapshot(step: Int, size: Int) throws -> Snapshot {
        guard let url = snapshotFiles[step] else { throw AnalysisError("\(name) has no snapshot at step \(step)") }
        do {
            let archive = try NPZArchive(contentsOf: url)
            let q = try archive.values("Q", as: Double.self, shape: [size, size])
            let n = try archive.values("n", as: Double.self, shape: [size, size])
            let time = try archive.array("time").widenedToDoubles()
            guard time.count == 1, time[0].isFinite else {
                throw AnalysisError("\(url.path): 'time' must hold one finite value")
            }
            return Snapshot(
                step: step, time: time[0], displacements: try LatticeField(size: size, values: q),
                densities: try LatticeField(size: size, values: n))
        } catch let error as NumPyError {
            throw AnalysisError(error.description)
        }
    }

    /// The lattice size of the first snapshot (from the shape of its `Q` array).
    func firstSnapshotSize() throws -> Int {
        guard let step = steps.first, let url = snapshotFiles[step] else {
            throw AnalysisError("\(name) has no snapshots")
        }
        do {
            let q = try NPZArchive(contentsOf: url).array("Q")
            guard q.rank == 2, q.shape[0] == q.shape[1], q.shape[0] >= 1 else {
                throw AnalysisError("\(url.path): 'Q' must be a square [L, L] array, found shape \(q.shape)")
            }
            return q.shape[0]
        } catch let error as NumPyError {
            throw AnalysisError(error.description)
        }
    }
}

/// A run directory: `params.json` and one or more runs `run-000/`, `run-001/`, … of the same lattice size.
public struct RunEnsemble: Sendable {
    public var directory: URL
    /// L, from `params.json` ("size") or else the first snapshot.
    public var size: Int
    /// Selected numbers from `params.json` (those present): "temperature", "dt", "seed", "runs", "size".
    public var parameters: [String: Double]
    public var runs: [RunRecord]

    /// Steps that every run has a snapshot of, ascending.
    public var commonSteps: [Int] {
        guard let first = runs.first else { return [] }
        var common = Set(first.snapshotFiles.keys)
        for run in runs.dropFirst() { common.formIntersection(run.snapshotFiles.keys) }
        return common.sorted()
    }

    /// Opens and checks a run directory: `params.json` must be a JSON object; there must be at least one
    /// `run-NNN` directory, each with a `timeseries.csv` whose header has `step` and `time` and at least one
    /// `snapshots/step-XXXXXXXX.npz`; every run's first snapshot must have the same L (and match "size" when
    /// given). Snapshot contents are read later, on demand.
    /// - Throws: `AnalysisError` naming the first problem found.
    public static func open(_ directory: URL) throws -> RunEnsemble {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AnalysisError("run directory \(directory.path) does not exist")
        }
        let parameters = try readParameters(directory.appendingPathComponent("params.json"))
        let names = ((try? files.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasPrefix("run-") && Int($0.dropFirst(4)) != nil }.sorted()
        guard !names.isEmpty else { throw AnalysisError("\(directory.path) holds no runs (run-000/, run-001/, …)") }
        let runs = try names.map { try openRun(directory.appendingPathComponent($0), name: $0) }

        var size = parameters["size"].map { Int($0) }
        for run in runs {
            let found = try run.firstSnapshotSize()
            if let expected = size, expected != found {
                throw AnalysisError(
                    "\(run.name) has L = \(found) but "
                        + (run.name == runs[0].name && parameters["size"] != nil
                            ? "params.json says size \(expected)" : "the runs before it have L = \(expected)"))
            }
            size = found
        }
        return RunEnsemble(directory: directory, size: size!, parameters: parameters, runs: runs)
    }

    private static func readParameters(_ url: URL) throws -> [String: Double] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AnalysisError("\(url.path) is missing or unreadable (not a run directory?)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw AnalysisError("\(url.path) is not a JSON object")
        }
        var numbers: [String: Double] = [:]
        for key in ["size", "temperature", "dt", "seed", "runs"] {
            if let value = object[key] as? NSNumber { numbers[key] = value.doubleValue }
        }
        if let size = numbers["size"], size < 1 || size != size.rounded() {
            throw AnalysisError("\(url.path): \"size\" must be a positive integer, got \(size)")
        }
        return numbers
    }

    private static func openRun(_ directory: URL, name: String) throws -> RunRecord {
        let timeseries = directory.appendingPathComponent("timeseries.csv")
        guard let handle = FileHandle(forReadingAtPath: timeseries.path) else {
            throw AnalysisError("\(name) has no timeseries.csv (partial run?)")
        }
        let head = String(decoding: handle.readData(ofLength: 4096), as: UTF8.self)
        try? handle.close()
        let columns = (head.split(whereSeparator: \.isNewline).first ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard columns.contains("step"), columns.contains("time") else {
            throw AnalysisError("\(timeseries.path): header must name the columns step and time")
        }
        let snapshotDirectory = directory.appendingPathComponent("snapshots")
        var files: [Int: URL] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: snapshotDirectory.path)) ?? [] {
            guard entry.hasPrefix("step-"), entry.hasSuffix(".npz"),
                let step = Int(entry.dropFirst(5).dropLast(4)), step >= 0
            else { continue }
            files[step] = snapshotDirectory.appendingPathComponent(entry)
        }
        guard !files.isEmpty else { throw AnalysisError("\(name) has no snapshots (snapshots/step-XXXXXXXX.npz)") }
        return RunRecord(name: name, directory: directory, snapshotFiles: files)
    }
}
