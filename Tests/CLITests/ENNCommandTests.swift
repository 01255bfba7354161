import Foundation
import TestSupport
import Testing

@Suite("latticeff model / predict / bench enn")
struct ENNCommandTests {
    @Test("model init → info (text and JSON) → predict on [L, L] and [n, L, L]; numpy reads the forces")
    func workflow() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let model = dir.appendingPathComponent("m.npz").path
        let small = try runLatticeFF([
            "model", "init", "--seed", "5", "--gate", "reference", "--widths", "4,2", "--output", model,
        ])
        #expect(small.status == 0, "\(small.stderr)")
        let info = try runLatticeFF(["model", "info", model])
        #expect(
            info.status == 0 && info.stdout.contains("gate reference") && info.stdout.contains("layer 1: auxiliary"))
        let reference = dir.appendingPathComponent("ref.npz").path
        #expect(try runLatticeFF(["model", "init", "--seed", "1", "--output", reference]).status == 0)
        let json = try runLatticeFF(["model", "info", reference, "--json"])
        let meta = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(meta["parameterCount"] as? Int == 143_135 && meta["gate"] as? String == "smooth")
        #expect((meta["auxiliaryWidths"] as? [[Int]])?[1] == [2512, 2576, 2576, 2576, 4128])

        let q2 = dir.appendingPathComponent("q2.npy").path, q3 = dir.appendingPathComponent("q3.npy").path
        let (status, out) = try python(
            """
            import numpy
            rng = numpy.random.default_rng(1)
            q = rng.normal(size=(3, 9, 9))
            numpy.save('\(q3)', q); numpy.save('\(q2)', q[1])
            """)
        #expect(status == 0, "\(out)")
        let f2 = dir.appendingPathComponent("f2.npy").path, f3 = dir.appendingPathComponent("f3.npy").path
        #expect(try runLatticeFF(["predict", "--model", model, q2, "--output", f2]).status == 0)
        #expect(try runLatticeFF(["predict", "--model", model, q3, "--output", f3, "--threads", "1"]).status == 0)
        let (check, text) = try python(
            """
            import numpy
            f2 = numpy.load('\(f2)'); f3 = numpy.load('\(f3)')
            assert f2.shape == (9, 9) and f3.shape == (3, 9, 9) and f3.dtype == numpy.float64
            assert numpy.array_equal(f2, f3[1]), abs(f2 - f3[1]).max()
            # translation equivariance: rolling Q rolls F
            print('ok')
            """)
        #expect(check == 0 && text.contains("ok"), "\(text)")
    }

    @Test("bench enn --json reports sgemm, forward and training rates")
    func bench() throws {
        let r = try runLatticeFF([
            "bench", "enn", "--sizes", "7", "--training-size", "7", "--repeats", "1", "--threads", "1,3", "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let names = Set(list.compactMap { $0["name"] as? String })
        #expect(
            names == [
                "sgemm-1024", "forward", "training", "layer2-fused", "layer2-materialised-gemm", "layer2-bilinear-gemm",
            ])
        func threads(_ name: String) -> [Int] {
            list.filter { $0["name"] as? String == name }.compactMap { $0["threads"] as? Int }
        }
        #expect(threads("sgemm-1024") == [1, 3] && threads("forward") == [1, 3] && threads("training") == [1, 2])
    }

    @Test(
        "bad input gives a one-line error and a non-zero exit",
        arguments: [
            (["model", "init", "--seed", "1", "--gate", "relu", "--output", "/tmp/x.npz"], usageErrorStatus),
            (["model", "init", "--seed", "1", "--widths", "32,0", "--output", "/tmp/x.npz"], usageErrorStatus),
            (["model", "init", "--seed", "1", "--group", "Oh", "--output", "/tmp/x.npz"], usageErrorStatus),
            (["model", "init", "--seed", "1", "--output", "/nonexistent-dir/m.npz"], runtimeErrorStatus),
            (["model", "info", "/nonexistent/m.npz"], runtimeErrorStatus),
            (
                ["predict", "--model", "/nonexistent/m.npz", "/nonexistent/q.npy", "--output", "/tmp/f.npy"],
                runtimeErrorStatus
            ),
            (["bench", "enn", "--sizes", "3"], usageErrorStatus),
            (["bench", "enn", "--threads", "2,0"], usageErrorStatus),
            (["bench", "enn", "--threads", "two"], usageErrorStatus),
        ])
    func errors(arguments: [String], status: Int32) throws {
        let r = try runLatticeFF(arguments)
        #expect(r.status == status)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.first?.hasPrefix("Error:") == true, "stderr: \(r.stderr)")
    }

    @Test(
        """
        predict --chemical-potential: a grand-canonical model at fixed μ is its μ = 0 map of Q + μ/g; refused for \
        other readouts
        """
    )
    func predictAtFixedChemicalPotential() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        // grand-canonical, g = 3.5
        let model = root.appendingPathComponent("models/holstein-square-d4-asinh025-cos.npz").path
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let path = { (name: String) in dir.appendingPathComponent(name).path }
        let (status, out) = try python(
            """
            import numpy
            rng = numpy.random.default_rng(3)
            q = rng.normal(scale=2, size=(2, 10, 10))
            mu = numpy.array([0.3, -0.5])
            numpy.save('\(path("q.npy"))', q); numpy.save('\(path("mu.npy"))', mu)
            numpy.save('\(path("q-shifted.npy"))', q + mu[:, None, None] / 3.5)
            numpy.save('\(path("mu-bad.npy"))', mu[:1]); numpy.save('\(path("mu-nan.npy"))', numpy.array([numpy.nan, \
            0.0]))
            """)
        #expect(status == 0, "\(out)")
        #expect(
            try runLatticeFF([
                "predict", "--model", model, path("q.npy"), "--chemical-potential", path("mu.npy"), "--output",
                path("f-mu.npy"),
            ]).status == 0)
        #expect(
            try runLatticeFF([
                "predict", "--model", model, path("q-shifted.npy"), "--chemical-potential", "0", "--output",
                path("f-shifted.npy"),
            ]).status == 0)
        #expect(
            try runLatticeFF([
                "predict", "--model", model, path("q.npy"), "--chemical-potential", "0.3", "--output",
                path("f-const.npy"),
            ]).status == 0)
        #expect(
            try runLatticeFF(["predict", "--model", model, path("q.npy"), "--output", path("f-n.npy")]).status == 0)
        let (check, text) = try python(
            """
            import numpy
            q = numpy.load('\(path("q.npy"))'); mu = numpy.load('\(path("mu.npy"))')
            fmu = numpy.load('\(path("f-mu.npy"))'); fsh = numpy.load('\(path("f-shifted.npy"))')
            fc = numpy.load('\(path("f-const.npy"))'); fn = numpy.load('\(path("f-n.npy"))')
            def elastic(q):  # -k0 Q - kappa * sum of the 4 neighbours, k0 = 1, kappa = 0.18
                nb = sum(numpy.roll(q, s, axis=a) for s in (1, -1) for a in (-1, -2))
                return -q - 0.18 * nb
            # electronic part g(n - 1/2) at mu equals the mu = 0 electronic part of the shifted configuration
            e_mu = fmu - elastic(q); e_sh = fsh - elastic(q + mu[:, None, None] / 3.5)
            assert abs(e_mu - e_sh).max() < 1e-4, abs(e_mu - e_sh).max()
            assert numpy.array_equal(fc[0], fmu[0])
            # at fixed N (no --chemical-potential) the electronic forces obey the sum rule
            en = fn - elastic(q)
            assert abs(en.sum(axis=(1, 2))).max() < 1e-6, en.sum(axis=(1, 2))
            assert abs(e_mu[1].mean()) > 1e-3  # at fixed mu the electron number is not constrained
            print('ok')
            """)
        #expect(check == 0 && text.contains("ok"), "\(text)")
        // Refusals: a wrong number of μ values, a non-finite μ, a model without the grand-canonical readout.
        let total = path("total.npz")
        #expect(try runLatticeFF(["model", "init", "--seed", "2", "--widths", "2", "--output", total]).status == 0)
        for (m, mu) in [
            (model, path("mu-bad.npy")), (model, path("mu-nan.npy")), (total, "0.1"), (model, "/nonexistent/mu.npy"),
        ] {
            let r = try runLatticeFF([
                "predict", "--model", m, path("q.npy"), "--chemical-potential", mu, "--output", path("f-x.npy"),
            ])
            #expect(r.status == runtimeErrorStatus && r.stderr.hasPrefix("Error:"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: path("f-x.npy")))
        }
    }

    @Test("predict rejects non-square input and a too-small lattice, writing nothing")
    func predictShapes() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let model = dir.appendingPathComponent("m.npz").path
        #expect(try runLatticeFF(["model", "init", "--seed", "2", "--widths", "2", "--output", model]).status == 0)
        let bad = dir.appendingPathComponent("bad.npy").path, tiny = dir.appendingPathComponent("tiny.npy").path
        _ = try python(
            "import numpy; numpy.save('\(bad)', numpy.zeros((4, 5))); numpy.save('\(tiny)', numpy.zeros((5, 5)))")
        for input in [bad, tiny] {
            let out = dir.appendingPathComponent("f.npy").path
            let r = try runLatticeFF(["predict", "--model", model, input, "--output", out])
            #expect(r.status == runtimeErrorStatus && r.stderr.hasPrefix("Error:"))
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}
