import Foundation
import IO
import TestSupport
import Testing

@Suite("latticeff simulate")
struct SimulateCommandTests {
    func simulate(_ arguments: [String]) throws -> CommandResult {
        try runLatticeFF(["simulate", "--quiet"] + arguments)
    }

    @Test("ED run: layout, params.json, fixed CSV header, snapshot arrays")
    func edRun() throws {
        let outScratch = try TemporaryDirectory()
        let out = outScratch.file("run")
        let r = try simulate([
            "--forces", "ed", "--size", "4", "--steps", "60", "--seed", "5", "--snapshot-every", "20",
            "--output", out.path,
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let params = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("params.json")))
                as? [String: Any])
        #expect(
            params["softwareVersion"] as? String == "0.1.0" && params["seed"] as? Int == 5
                && params["runs"] as? Int == 1)
        #expect((params["forceField"] as? [String: Any])?["kind"] as? String == "ed" && params["dt"] as? Double == 0.05)
        let csv = try String(contentsOf: out.appendingPathComponent("run-000/timeseries.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("step,time,kinetic_temperature,potential_energy,mean_q,staggered_q,mean_density\n0,0.0,"))
        let snapshot = try NPZArchive(contentsOf: out.appendingPathComponent("run-000/snapshots/step-00000040.npz"))
        #expect(try snapshot.array("n", shape: [4, 4]).doubles().reduce(0, +) > 7.99)  // N_e = N/2 = 8
        #expect(try snapshot.values("step", as: Int64.self, shape: [1]) == [40])
    }

    @Test(
        """
        Cluster-ED forces (--forces cluster:R): run, params.json kind, exact electron number, resume; \
        bad radii refused
        """
    )
    func clusterRun() throws {
        let outScratch = try TemporaryDirectory()
        let out = outScratch.file("run")
        let r = try simulate([
            "--forces", "cluster:2", "--size", "8", "--steps", "30", "--seed", "2", "--snapshot-every", "10",
            "--output", out.path,
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let params = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("params.json")))
                as? [String: Any])
        #expect((params["forceField"] as? [String: Any])?["kind"] as? String == "cluster:2.0")
        let spec = try #require(params["forceFieldSpec"] as? [String: Any])
        #expect(spec["kind"] as? String == "cluster" && spec["radius"] as? Double == 2, "\(spec)")
        let snapshot = try NPZArchive(contentsOf: out.appendingPathComponent("run-000/snapshots/step-00000030.npz"))
        #expect(abs(try snapshot.array("n", shape: [8, 8]).doubles().reduce(0, +) - 32) < 1e-6)
        let more = try simulate(["--output", out.path, "--resume", "--steps", "40"])
        #expect(more.status == 0, "stderr: \(more.stderr)")
        for bad in ["cluster:0.5", "cluster:x", "cluster:7"] {
            let b = try simulate(["--forces", bad, "--size", "8", "--steps", "5", "--output", out.path + "-bad"])
            #expect(b.status == usageErrorStatus && b.stderr.contains("cluster:R"), "\(bad): \(b.stderr)")
        }
        let small = try simulate([
            "--forces", "cluster:3.6", "--size", "6", "--steps", "5", "--output", out.path + "-small",
        ])
        #expect(small.status == runtimeErrorStatus && small.stderr.contains("L ≥ 7"), "\(small.stderr)")
    }

    @Test("Every Holstein parameter is an option: recorded in params.json, obeyed by the forces, fixed on resume")
    func holsteinOptions() throws {
        let outScratch = try TemporaryDirectory()
        let out = outScratch.file("run")
        let r = try simulate([
            "--forces", "ed", "--size", "6", "--steps", "20", "--seed", "3", "--snapshot-every", "20",
            "--hopping", "0.8", "--coupling", "2.5", "--k0", "0.7", "--kappa", "0.1", "--filling", "fixed-mu", "--mu",
            "0.3",
            "--output", out.path,
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let params = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("params.json")))
                as? [String: Any])
        let h = try #require((params["forceField"] as? [String: Any])?["holstein"] as? [String: Any])
        #expect(
            h["hopping"] as? Double == 0.8 && h["coupling"] as? Double == 2.5 && h["stiffness"] as? Double == 0.7
                && h["neighbourCoupling"] as? Double == 0.1, "\(h)")
        // The snapshot's forces are F = −k0 Q − κ Σ_nn Q + g(n − ½) with these k0, κ, g.
        let snapshot = try NPZArchive(contentsOf: out.appendingPathComponent("run-000/snapshots/step-00000020.npz"))
        let q = try snapshot.array("Q", shape: [6, 6]).doubles(), n = try snapshot.array("n", shape: [6, 6]).doubles()
        let f = try snapshot.array("F", shape: [6, 6]).doubles()
        for y in 0..<6 {
            for x in 0..<6 {
                let nn =
                    q[(x + 1) % 6 + 6 * y] + q[(x + 5) % 6 + 6 * y] + q[x + 6 * ((y + 1) % 6)]
                    + q[x + 6 * ((y + 5) % 6)]
                let expected = -0.7 * q[x + 6 * y] - 0.1 * nn + 2.5 * (n[x + 6 * y] - 0.5)
                #expect(abs(f[x + 6 * y] - expected) < 1e-10)
            }
        }
        // At fixed μ = 0.3 > 0 the lattice holds more than half an electron per site on average.
        #expect(n.reduce(0, +) / 36 != 0.5)
        let changed = try simulate(["--output", out.path, "--resume", "--steps", "40", "--kappa", "0.2"])
        #expect(changed.status == runtimeErrorStatus && changed.stderr.contains("--kappa"), "\(changed.stderr)")
        let refilled = try simulate(["--output", out.path, "--resume", "--steps", "40", "--filling", "fixed-n"])
        #expect(refilled.status == runtimeErrorStatus && refilled.stderr.contains("--filling"), "\(refilled.stderr)")
        let same = try simulate(["--output", out.path, "--resume", "--steps", "40", "--kappa", "0.1", "--mu", "0.3"])
        #expect(same.status == 0, "\(same.stderr)")
        let otherMu = try simulate(["--output", out.path, "--resume", "--steps", "40", "--mu", "0.2"])
        #expect(otherMu.status == runtimeErrorStatus && otherMu.stderr.contains("--filling/--mu"), "\(otherMu.stderr)")
        let muAlone = try simulate([
            "--forces", "ed", "--size", "6", "--steps", "2", "--snapshot-every", "2", "--mu", "0.3",
            "--output", out.path + "-mu",
        ])
        #expect(muAlone.status == 0, "\(muAlone.stderr)")
        let paramsMu = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out.path + "-mu/params.json")))
                as? [String: Any])
        // The same filling is recorded as with --filling fixed-mu --mu 0.3 above.
        let fillingMu = try #require(
            ((paramsMu["forceField"] as? [String: Any])?["holstein"] as? [String: Any])?["filling"])
        let fillingExplicit = try #require(h["filling"])
        let encode = { (v: Any) in try JSONSerialization.data(withJSONObject: ["f": v], options: .sortedKeys) }
        #expect(try encode(fillingMu) == encode(fillingExplicit), "\(fillingMu) vs \(fillingExplicit)")
        for bad in [["--filling", "half"], ["--filling", "fixed-n", "--mu", "0.2"], ["--k0", "nan"]] {
            let r = try simulate(
                ["--forces", "ed", "--size", "6", "--steps", "2", "--output", out.path + "-bad"] + bad)
            #expect(r.status == usageErrorStatus && r.stderr.contains("Error:"), "\(bad): \(r.stderr)")
        }
    }

    @Test("A run directory written before the force-field spec was recorded still resumes (spec parsed from 'forces')")
    func resumeOldFormat() throws {
        let outScratch = try TemporaryDirectory()
        let out = outScratch.file("run")
        #expect(
            try simulate(["--forces", "cluster:1", "--size", "7", "--steps", "10", "--seed", "1", "--output", out.path])
                .status == 0)
        let file = out.appendingPathComponent("params.json")
        var params = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(params.removeValue(forKey: "forceFieldSpec") != nil)
        params["forces"] = "cluster:1"
        try JSONSerialization.data(withJSONObject: params, options: [.prettyPrinted, .sortedKeys]).write(to: file)
        let resumed = try simulate(["--resume", "--forces", "cluster:1.0", "--steps", "20", "--output", out.path])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        let csv = try String(contentsOf: out.appendingPathComponent("run-000/timeseries.csv"), encoding: .utf8)
        #expect(csv.contains("\n20,1.0,"))
        let other = try simulate(["--resume", "--forces", "ed", "--steps", "30", "--output", out.path])
        #expect(other.status == runtimeErrorStatus && other.stderr.contains("--forces"), "\(other.stderr)")
    }

    @Test("A model run records its spec with the absolute model path and resumes from it")
    func modelRun() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let model = dir.appendingPathComponent("m.npz").path, out = dir.appendingPathComponent("run")
        #expect(try runLatticeFF(["model", "init", "--seed", "2", "--widths", "2", "--output", model]).status == 0)
        let relative = dir.appendingPathComponent("sub/../m.npz").path
        let r = try simulate(["--forces", relative, "--size", "8", "--steps", "4", "--seed", "1", "--output", out.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let params = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("params.json")))
                as? [String: Any])
        let spec = try #require(params["forceFieldSpec"] as? [String: Any])
        #expect(
            spec["kind"] as? String == "model"
                && spec["path"] as? String == URL(fileURLWithPath: model).standardizedFileURL.path)
        #expect((params["forceField"] as? [String: Any])?["modelSHA256"] is String)
        let resumed = try runLatticeFF([
            "simulate", "--resume", "--forces", model, "--steps", "8", "--output", out.path,
        ])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        // One trajectory: every core inside the network's forward passes, said in the header.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        #expect(
            resumed.stderr.contains("1 worker(s), \(cores) BLAS thread(s), \(cores) force thread(s))"),
            "\(resumed.stderr)")
    }

    @Test("--g is the older spelling of --coupling: same parameter, checked on resume")
    func couplingAlias() throws {
        let outScratch = try TemporaryDirectory()
        let out = outScratch.file("run")
        #expect(
            try simulate(["--forces", "ed", "--size", "4", "--steps", "2", "--g", "2.5", "--output", out.path]).status
                == 0)
        let params = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("params.json")))
                as? [String: Any])
        #expect(
            ((params["forceField"] as? [String: Any])?["holstein"] as? [String: Any])?["coupling"] as? Double == 2.5)
        #expect(try simulate(["--resume", "--coupling", "2.5", "--output", out.path]).status == 0)
        let changed = try simulate(["--resume", "--g", "2", "--output", out.path])
        #expect(changed.status == runtimeErrorStatus && changed.stderr.contains("--coupling"), "\(changed.stderr)")
    }

    @Test("Same seed gives identical runs; a different seed does not")
    func reproducible() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        func run(_ name: String, seed: String) throws -> Data {
            let r = try simulate([
                "--forces", "harmonic", "--size", "6", "--steps", "100", "--runs", "2", "--seed", seed,
                "--output", dir.appendingPathComponent(name).path,
            ])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            return try Data(
                contentsOf: dir.appendingPathComponent(name).appendingPathComponent("run-001/checkpoint.npz"))
        }
        let a = try run("a", seed: "9"), b = try run("b", seed: "9"), c = try run("c", seed: "10")
        #expect(a == b && a != c)
    }

    /// Starts a long run, waits for its step-1000 snapshot, sends `signal`, resumes, and compares
    /// with an uninterrupted run.
    func interruptAndResume(signal: Int32) throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let common = [
            "--forces", "harmonic", "--size", "32", "--steps", "12000", "--seed", "4",
            "--snapshot-every", "1000", "--checkpoint-every", "700",
        ]
        let whole = dir.appendingPathComponent("whole"), cut = dir.appendingPathComponent("cut")

        let process = Process()
        process.executableURL = try latticeffBinary()
        process.arguments = ["simulate", "--quiet"] + common + ["--output", cut.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let marker = cut.appendingPathComponent("run-000/snapshots/step-00001000.npz").path
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: marker) && process.isRunning && Date() < deadline {
            usleep(5_000)
        }
        kill(process.processIdentifier, signal)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if signal == SIGKILL {
            #expect(process.terminationReason == .uncaughtSignal)
        } else {
            #expect(process.terminationStatus == 128 + signal, "stderr: \(stderr)")
            #expect(stderr.contains("--resume"))
        }
        let unfinished = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: cut.appendingPathComponent("params.json")))
                as? [String: Any])
        #expect(unfinished["steps"] as? Int == 12000)
        let checkpoint = try NPZArchive(contentsOf: cut.appendingPathComponent("run-000/checkpoint.npz"))
        let stoppedAt = try checkpoint.values("step", as: Int64.self, shape: [1])[0]
        #expect(stoppedAt >= 700 && stoppedAt < 12000)

        let resumed = try simulate(["--resume", "--output", cut.path])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        #expect(try simulate(common + ["--output", whole.path]).status == 0)
        for file in [
            "run-000/timeseries.csv", "run-000/checkpoint.npz", "run-000/snapshots/step-00012000.npz",
            "run-000/snapshots/step-00005000.npz",
        ] {
            #expect(
                try Data(contentsOf: whole.appendingPathComponent(file))
                    == Data(contentsOf: cut.appendingPathComponent(file)), "\(file)")
        }
    }

    @Test("SIGINT: checkpoint at the next step boundary, exit 130, --resume is bit-identical")
    func sigint() throws { try interruptAndResume(signal: SIGINT) }

    @Test("SIGKILL mid-run: --resume continues from the last checkpoint, bit-identical")
    func sigkill() throws { try interruptAndResume(signal: SIGKILL) }

    @Test("--resume rejects changed parameters and extends with a larger --steps")
    func resumeOptions() throws {
        let outScratch = try TemporaryDirectory()
        let out = outScratch.file("run")
        #expect(
            try simulate(["--forces", "harmonic", "--size", "4", "--steps", "20", "--output", out.path]).status == 0)
        let changed = try simulate(["--resume", "--temperature", "0.2", "--output", out.path])
        #expect(
            changed.status == runtimeErrorStatus && changed.stderr.hasPrefix("Error:")
                && changed.stderr.contains("temperature"))
        #expect(try simulate(["--resume", "--steps", "40", "--output", out.path]).status == 0)
        let csv = try String(contentsOf: out.appendingPathComponent("run-000/timeseries.csv"), encoding: .utf8)
        #expect(csv.contains("\n40,2.0,"))
    }

    @Test(
        "Bad input: one-line error, exit ≠ 0, nothing written",
        arguments: [
            (["--forces", "dft", "--size", "4", "--steps", "5"], usageErrorStatus),  // unknown force field
            (["--forces", "MODEL_GARBAGE", "--size", "4", "--steps", "5"], runtimeErrorStatus),  // corrupt model file
            // missing model file
            (["--forces", "/nonexistent/model.npz", "--size", "4", "--steps", "5"], runtimeErrorStatus),
            // valid archive, no network support
            (["--forces", "MODEL_EMPTY", "--size", "4", "--steps", "5"], runtimeErrorStatus),
            (["--forces", "ed", "--size", "4", "--steps", "5", "--dt=-0.05"], usageErrorStatus),
            (["--forces", "ed", "--size", "4", "--steps", "5", "--dt", "nan"], usageErrorStatus),
            (["--forces", "ed", "--size", "4", "--steps", "5", "--temperature=-0.1"], usageErrorStatus),
            (["--forces", "ed", "--size", "4", "--steps", "5", "--mass", "0"], usageErrorStatus),
            (["--forces", "ed", "--size", "1", "--steps", "5"], usageErrorStatus),
            (["--forces", "ed", "--size", "4", "--steps=-5"], usageErrorStatus),
            (["--forces", "ed", "--size", "4", "--steps", "5", "--runs", "0"], usageErrorStatus),
            (["--forces", "ed", "--size", "4", "--steps", "5", "--init", "hot"], usageErrorStatus),
            (["--forces", "ed", "--size", "4", "--steps", "5", "--init", "/nonexistent/q.npy"], runtimeErrorStatus),
            // a site energy beyond ±1e8: refused before the run directory exists
            (["--forces", "ed", "--size", "4", "--steps", "5", "--init", "INIT_HUGE"], runtimeErrorStatus),
            (["--size", "4", "--steps", "5"], usageErrorStatus),  // no force field
            (["--resume"], runtimeErrorStatus),  // not a run directory
        ])
    func badInput(arguments: [String], status: Int32) throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let garbage = dir.appendingPathComponent("garbage.npz"), empty = dir.appendingPathComponent("empty.npz")
        try Data("not a zip archive".utf8).write(to: garbage)
        try NPZArchive().write(to: empty)
        let huge = dir.appendingPathComponent("huge.npy")
        try NumPyArray((0..<16).map { $0 == 5 ? 1e9 : 0.5 }, shape: [4, 4]).write(to: huge)
        let out = dir.appendingPathComponent("out")
        let placeholders = ["MODEL_GARBAGE": garbage.path, "MODEL_EMPTY": empty.path, "INIT_HUGE": huge.path]
        let args = arguments.map { placeholders[$0] ?? $0 }
        let r = try simulate(args + ["--output", out.path])
        #expect(r.status == status)
        #expect(r.stderr.hasPrefix("Error:"), "stderr: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test("Existing output without --resume and an unwritable directory are refused, nothing overwritten")
    func outputRefused() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let keep = dir.appendingPathComponent("keep.txt")
        try Data("precious".utf8).write(to: keep)
        let existing = try simulate(["--forces", "ed", "--size", "4", "--steps", "5", "--output", dir.path])
        #expect(
            existing.status == runtimeErrorStatus && existing.stderr.hasPrefix("Error:")
                && existing.stderr.contains("--resume"))
        #expect(
            try Data(contentsOf: keep) == Data("precious".utf8)
                && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("params.json").path))
        let unwritable = try simulate([
            "--forces", "ed", "--size", "4", "--steps", "5", "--output", keep.appendingPathComponent("sub").path,
        ])
        #expect(unwritable.status == runtimeErrorStatus && unwritable.stderr.hasPrefix("Error:"))
        #expect(unwritable.stderr.split(separator: "\n").count == 1, "stderr: \(unwritable.stderr)")
    }

    @Test("bench dynamics runs (tiny sizes) and prints JSON")
    func bench() throws {
        let r = try runLatticeFF([
            "bench", "dynamics", "--ed-sizes", "4", "--overhead-sizes", "8", "--seconds", "0.05", "--network-sizes", "",
            "--no-sgemm", "--json",
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let results = try #require(report["results"] as? [[String: Any]])
        #expect(results.map { $0["name"] as? String } == ["ed-steps", "integrator-overhead", "overhead-with-output"])
    }
}
