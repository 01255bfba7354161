// Run directories: the ensemble pipeline on synthetic growing domains, outputs, comparison, and every bad input.

import AnalysisTestSupport
import Foundation
import IO
import Plotting
import TestSupport
import Testing

@testable import Analysis

@Suite struct EnsembleAnalysisTests {
    @Test("synthetic domains growing as t^α: per-run and averaged L(t) and the fit recover α exactly")
    func growingDomains() throws {
        let scratch = try TemporaryDirectory()
        let steps = try writeGrowingDomains(scratch.url, size: 32, exponent: 0.4, levels: 5, runs: 3)
        let ensemble = try RunEnsemble.open(scratch.url)
        #expect(ensemble.size == 32 && ensemble.runs.map(\.name) == ["run-000", "run-001", "run-002"])
        #expect(ensemble.commonSteps == steps && ensemble.parameters["dt"] == 0.05)
        let analysis = try analyzeEnsemble(ensemble, options: AnalysisOptions(threads: 2))
        for (j, time) in analysis.times.enumerated() {
            let m = Double(16 >> j)
            #expect(abs(analysis.meanDomainLength[j] - 32 / (2 * .pi * m)) < 1e-9, "t = \(time)")
            #expect(abs(analysis.domainLengthError[j]) < 1e-9)  // runs differ by phase/direction only
        }
        let fit = try #require(analysis.meanFit)
        #expect(abs(fit.exponent - 0.4) < 2e-4)  // steps rounded to integers
        #expect(analysis.exponent.perRun.count == 3 && abs(analysis.exponent.mean - 0.4) < 2e-4)
        #expect(analysis.selectedSteps == defaultSelectedSteps(steps) && analysis.selectedSteps.count == 3)
        #expect(analysis.correlations.count == 3 && analysis.orderParameterSnapshots.count == 3)
        #expect(analysis.collapse.curves.count == 3)
    }

    @Test("writes the documented files; numbers only without a plotter, PNG figures with one")
    func outputs() throws {
        let scratch = try TemporaryDirectory()
        _ = try writeGrowingDomains(scratch.file("runs"), size: 16, exponent: 0.5, levels: 4, runs: 2)
        let analysis = try analyzeEnsemble(
            try RunEnsemble.open(scratch.file("runs")), options: AnalysisOptions(threads: 1))
        let numbers = try analysis.write(to: scratch.file("numbers"), plotter: nil, fitWindowGiven: false)
        #expect(
            numbers == [
                "analysis.json", "domain_length.csv", "correlation.csv", "structure_factor.csv",
                "collapse.csv", "fields.npz",
            ])
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.file("numbers/analysis.json")))
                as? [String: Any])
        #expect(json["size"] as? Int == 16 && (json["runs"] as? [String])?.count == 2)
        let fields = try NPZArchive(contentsOf: scratch.file("numbers/fields.npz"))
        #expect(try fields.array("phi").shape == [3, 16, 16] && fields.array("structure_factor").shape == [3, 16, 16])
        let csv = try String(contentsOf: scratch.file("numbers/domain_length.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("step,time,L_mean,L_stderr,run-000,run-001\n") && csv.split(separator: "\n").count == 5)

        try #require(Plotter().isAvailable, "gnuplot is missing: make deps installs it (apt-get install gnuplot-nox)")
        let all = try analysis.write(to: scratch.file("figures"), plotter: Plotter(), fitWindowGiven: false)
        let figures = all.filter { $0.hasSuffix(".png") }
        #expect(figures.count == 7)
        for name in figures {
            let bytes = try Data(contentsOf: scratch.file("figures/\(name)"))
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(name)")
        }
    }

    @Test("comparing a directory with itself: zero difference; different sizes are refused")
    func comparison() throws {
        let scratch = try TemporaryDirectory()
        let steps = try writeGrowingDomains(scratch.file("a"), size: 16, exponent: 0.5, levels: 3, runs: 2)
        _ = try writeGrowingDomains(scratch.file("b"), size: 12, exponent: 0.5, levels: 3, runs: 2)
        let a = try RunEnsemble.open(scratch.file("a"))
        let same = try compareCorrelations(a, a, steps: steps, threads: 2)
        #expect(same.steps.count == 3)
        for step in same.steps {
            #expect(step.rmsDifference == 0 && step.z.allSatisfy { $0 == 0 || $0.isNaN })
        }
        let error = try #require(throws: AnalysisError.self) {
            try compareCorrelations(a, try RunEnsemble.open(scratch.file("b")), steps: steps)
        }
        #expect(error.description.contains("lattice sizes differ"))
        let missing = try #require(throws: AnalysisError.self) { try compareCorrelations(a, a, steps: [12345]) }
        #expect(missing.description.contains("step 12345 is not a snapshot of every run"))
    }

    @Test("z measures the difference in units of the combined standard error")
    func zScores() {
        let a = EnsembleProfile(
            step: 1, time: 1,
            profiles: [
                RadialProfile(distances: [0, 1], values: [1.0, 0.5], counts: [1, 4]),
                RadialProfile(distances: [0, 1], values: [1.2, 0.7], counts: [1, 4]),
            ])
        let b = EnsembleProfile(
            step: 1, time: 1,
            profiles: [
                RadialProfile(distances: [0, 1], values: [1.0, 0.4], counts: [1, 4]),
                RadialProfile(distances: [0, 1], values: [1.2, 0.6], counts: [1, 4]),
            ])
        let comparison = StepComparison(first: a, second: b)
        // se = 0.1 in both, so z = 0 at r = 0 and 0.1/√0.02 at r = 1
        #expect(abs(comparison.z[0]) < 1e-12 && abs(comparison.z[1] - 0.1 / 0.02.squareRoot()) < 1e-9)
        #expect(abs(comparison.meanSquaredZ - 0.25) < 1e-9 && comparison.fractionWithinTwoSigma == 1)
    }
}

@Suite struct RunDirectoryErrorTests {
    /// A valid 2-run directory of L = 8 to break in various ways.
    static func validDirectory(_ scratch: TemporaryDirectory) throws -> URL {
        let url = scratch.file("runs")
        _ = try writeGrowingDomains(url, size: 8, exponent: 0.5, levels: 2, runs: 2)
        return url
    }

    func expectOpenError(_ url: URL, _ fragment: String) {
        let error = #expect(throws: AnalysisError.self) { try RunEnsemble.open(url) }
        #expect(error?.description.contains(fragment) == true, "\(error?.description ?? "no error")")
        #expect(error?.description.contains("\n") == false)
    }

    func snapshotFile(_ url: URL, run: String = "run-001") throws -> URL {
        let directory = url.appendingPathComponent("\(run)/snapshots")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().first)
        return directory.appendingPathComponent(name)
    }

    @Test func missingDirectory() throws {
        expectOpenError(URL(fileURLWithPath: "/nonexistent/runs"), "does not exist")
    }

    @Test func missingOrBadParams() throws {
        let scratch = try TemporaryDirectory()
        let url = try Self.validDirectory(scratch)
        try Data("[1, 2]".utf8).write(to: url.appendingPathComponent("params.json"))
        expectOpenError(url, "is not a JSON object")
        try FileManager.default.removeItem(at: url.appendingPathComponent("params.json"))
        expectOpenError(url, "params.json is missing")
    }

    @Test func noRuns() throws {
        let scratch = try TemporaryDirectory()
        try Data("{}".utf8).write(to: scratch.file("params.json"))
        expectOpenError(scratch.url, "holds no runs")
    }

    @Test func partialRun() throws {
        let scratch = try TemporaryDirectory()
        let url = try Self.validDirectory(scratch)
        try FileManager.default.removeItem(at: url.appendingPathComponent("run-001/timeseries.csv"))
        expectOpenError(url, "run-001 has no timeseries.csv")
        try Data("a,b\n".utf8).write(to: url.appendingPathComponent("run-001/timeseries.csv"))
        expectOpenError(url, "header must name the columns step and time")
        try Data("step,time\n".utf8).write(to: url.appendingPathComponent("run-001/timeseries.csv"))
        try FileManager.default.removeItem(at: url.appendingPathComponent("run-001/snapshots"))
        expectOpenError(url, "run-001 has no snapshots")
    }

    @Test func inconsistentSizes() throws {
        let scratch = try TemporaryDirectory()
        let url = try Self.validDirectory(scratch)
        let other = scratch.file("other")
        _ = try writeGrowingDomains(other, size: 6, exponent: 0.5, levels: 2, runs: 1)
        try FileManager.default.removeItem(at: url.appendingPathComponent("run-001"))
        try FileManager.default.copyItem(
            at: other.appendingPathComponent("run-000"), to: url.appendingPathComponent("run-001"))
        expectOpenError(url, "run-001 has L = 6")
    }

    @Test func corruptOrIncompleteSnapshot() throws {
        let scratch = try TemporaryDirectory()
        let url = try Self.validDirectory(scratch)
        let file = try snapshotFile(url)
        try Data("not a zip".utf8).write(to: file)
        expectOpenError(url, file.lastPathComponent)

        try NPZArchive(arrays: [
            "Q": try NumPyArray([Double](repeating: 0, count: 64), shape: [8, 8]),
            "time": NumPyArray([1.0]),
        ]).write(to: file)
        let ensemble = try RunEnsemble.open(url)
        let error = #expect(throws: AnalysisError.self) { try analyzeEnsemble(ensemble) }
        #expect(error?.description.contains("'n'") == true, "\(error?.description ?? "")")
    }

    @Test func missingSelectedStep() throws {
        let scratch = try TemporaryDirectory()
        let ensemble = try RunEnsemble.open(try Self.validDirectory(scratch))
        let error = #expect(throws: AnalysisError.self) {
            try analyzeEnsemble(ensemble, options: AnalysisOptions(selectedSteps: [3]))
        }
        #expect(error?.description.contains("step 3 is not a snapshot of every run") == true)
    }
}
