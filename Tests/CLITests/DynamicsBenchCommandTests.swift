import Foundation
import Testing

/// `latticeff bench dynamics` with several models, case selection, the sgemm reference and peak memory.
@Suite("latticeff bench dynamics: models × cases")
struct DynamicsBenchCommandTests {
    /// The repository's shipped model `name`.
    static func shipped(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models/\(name)").path
    }
    static let plain = "holstein-square-d4-asinh025-cos.npz"  // grand canonical: searches for μ
    static let electronic = "holstein-square-d4-electronic.npz"  // fixed N: no μ search
    /// A tiny network-only run (L = 8, no ED, no overhead, no sgemm).
    static let tiny = [
        "bench", "dynamics", "--network-sizes", "8", "--ed-sizes", "", "--overhead-sizes", "", "--seconds", "0.05",
    ]

    /// The JSON report of `bench dynamics ARGS --json`.
    func report(_ arguments: [String]) throws -> [String: Any] {
        let r = try runLatticeFF(arguments + ["--json"])
        try #require(r.status == 0, "stderr: \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// The results of a report, each checked for positive timings, passes ≥ 1 and (Linux) a peak RSS.
    func checkedResults(_ report: [String: Any]) throws -> [[String: Any]] {
        let results = try #require(report["results"] as? [[String: Any]])
        for r in results {
            #expect((r["secondsPerStep"] as? Double ?? 0) > 0, "\(r)")
            #expect((r["steps"] as? Int ?? 0) >= 2, "\(r)")
            #expect((r["networkPassesPerStep"] as? Double ?? 0) >= 1, "\(r)")
            #if os(Linux)
            #expect((r["peakResidentMB"] as? Double ?? 0) > 1, "\(r)")
            #endif
        }
        return results
    }

    /// (model, name) of each result.
    func rows(_ results: [[String: Any]]) -> [String] {
        results.map { "\($0["model"] as? String ?? "-") \($0["name"] as? String ?? "-")" }
    }

    @Test("--model A,B --cases hot,ordered: one entry per model × case, with the model's file name")
    func commaSeparatedModelsAndCases() throws {
        let report = try report(
            Self.tiny + [
                "--no-sgemm", "--models", "\(Self.shipped(Self.plain)),\(Self.shipped(Self.electronic))",
                "--cases", "hot,ordered",
            ])
        #expect((report["sgemm"] as? [Any])?.isEmpty == true)
        #expect(
            rows(try checkedResults(report)) == [
                "\(Self.plain) network-steps", "\(Self.plain) network-steps-cdw",
                "\(Self.electronic) network-steps", "\(Self.electronic) network-steps-cdw",
            ])
    }

    @Test("--model A --model B, default cases: four for the model that searches for μ, hot only for the other")
    func repeatedModelsDefaultCases() throws {
        let report = try report(
            Self.tiny + ["--no-sgemm", "--model", Self.shipped(Self.plain), "--model", Self.shipped(Self.electronic)])
        #expect(
            rows(try checkedResults(report)) == [
                "\(Self.plain) network-steps", "\(Self.plain) network-steps-cold-mu",
                "\(Self.plain) network-steps-cdw", "\(Self.plain) network-steps-cdw-cold-mu",
                "\(Self.electronic) network-steps",
            ])
    }

    @Test("The sgemm reference comes first: two lines of text, two JSON entries with GFLOP/s")
    func sgemmReference() throws {
        let arguments = Self.tiny + ["--model", Self.shipped(Self.electronic), "--cases", "hot"]
        let text = try runLatticeFF(arguments)
        try #require(text.status == 0, "stderr: \(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.dropFirst().prefix(2).allSatisfy { $0.hasPrefix("sgemm 1024³") }, "\(lines)")
        let network = lines.filter { $0.hasPrefix("network-steps") }
        #expect(network.count == 1 && network.allSatisfy { $0.contains(Self.electronic) }, "\(lines)")
        #if os(Linux)
        #expect(network.allSatisfy { $0.contains("peak RSS") }, "\(lines)")
        #endif
        let sgemm = try #require(try report(arguments)["sgemm"] as? [[String: Any]])
        #expect(sgemm.map { $0["threads"] as? Int } == [1, 2])
        #expect(sgemm.allSatisfy { ($0["gigaflops"] as? Double ?? 0) > 0 }, "\(sgemm)")
    }

    @Test("A missing model file: a one-line error, exit 1, before anything runs")
    func missingModel() throws {
        let r = try runLatticeFF(
            Self.tiny + ["--model", Self.shipped(Self.plain), "--model", "/nonexistent/m.npz"])
        #expect(r.status == runtimeErrorStatus, "stderr: \(r.stderr)")
        #expect(r.stderr == "Error: --model /nonexistent/m.npz: no such file\n", "stderr: \(r.stderr)")
        #expect(r.stdout.isEmpty, "stdout: \(r.stdout)")
    }

    @Test("A bad --cases value is a usage error (exit 64)", arguments: ["warm", "hot,", "hot,cold"])
    func badCases(value: String) throws {
        let r = try runLatticeFF(Self.tiny + ["--no-sgemm", "--cases", value])
        #expect(r.status == usageErrorStatus, "stderr: \(r.stderr)")
        #expect(r.stderr.hasPrefix("Error:"), "stderr: \(r.stderr)")
    }
}

@Suite("latticeff bench fixed-n")
struct FixedNBenchCommandTests {
    @Test(
        "The default model on 8×8 at kT = 0.3: every compared step within 1e-4 of the exact root, N exact, ≤ 3 passes")
    func trackedAgainstExact() throws {
        let r = try runLatticeFF([
            "bench", "fixed-n", "--model", DynamicsBenchCommandTests.shipped("holstein-square-d4.npz"), "--size", "8",
            "--steps", "4", "--compare-every", "2", "--temperature", "0.3", "--json",
        ])
        try #require(r.status == 0, "stderr: \(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["comparedSteps"] as? Int == 3 && json["start"] as? String == "hot")
        #expect(json["temperature"] as? Double == 0.3, "\(json)")
        #expect((json["maximumForceDifference"] as? Double ?? 1) <= 1e-4, "\(json)")
        #expect((json["maximumElectronNumberError"] as? Double ?? 1) <= 1e-9, "\(json)")
        #expect((json["maximumPasses"] as? Int ?? 9) <= 3, "\(json)")
        #expect((json["exactPassesPerStep"] as? Double ?? 0) >= 1, "\(json)")
    }
}
