import Foundation
import TestSupport
import Testing

/// `latticeff forces` against an independent NumPy implementation of the Holstein ED, and every bad input.
@Suite("latticeff forces")
struct ForcesCommandTests {
    /// NumPy reference: builds H, eigh, μ by bisection (fixed N) or given, densities and forces.
    static let numpyReference = """
        import numpy as np, sys, json
        q = np.load(sys.argv[1]); mode = sys.argv[2]; T = float(sys.argv[3])
        t, g, k0, kap = 1.0, 3.5, 1.0, 0.18
        def solve(Q):
            L = Q.shape[0]; N = L * L; H = np.zeros((N, N))
            for y in range(L):
                for x in range(L):
                    i = x + L * y
                    for j in ((x + 1) % L + L * y, x + L * ((y + 1) % L)):
                        H[i, j] -= t; H[j, i] -= t
                    H[i, i] = -g * Q[y, x]
            e, U = np.linalg.eigh(H)
            def occ(mu):
                z = np.clip((e - mu) / T, -700, 700)
                return 1.0 / (np.exp(z) + 1.0)
            if mode == 'fixed-n':
                lo, hi = e[0] - 50 * T - 1, e[-1] + 50 * T + 1
                for _ in range(200):
                    mid = 0.5 * (lo + hi)
                    if occ(mid).sum() < N / 2: lo = mid
                    else: hi = mid
                mu = 0.5 * (lo + hi)
            else:
                mu = 0.0
            n = (U ** 2 @ occ(mu)).reshape(L, L)
            nb = np.roll(Q, 1, 0) + np.roll(Q, -1, 0) + np.roll(Q, 1, 1) + np.roll(Q, -1, 1)
            return -k0 * Q - kap * nb + g * (n - 0.5), n, mu
        Qs = q if q.ndim == 3 else q[None]
        F, n, mu = zip(*[solve(Q) for Q in Qs])
        np.save(sys.argv[4], np.array(F).reshape(q.shape)); np.save(sys.argv[5], np.array(n).reshape(q.shape))
        print(json.dumps(list(mu)))
        """

    @Test("Batch and single configurations agree with an independent NumPy ED", arguments: ["fixed-n", "fixed-mu"])
    func agreesWithNumPy(filling: String) throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let q = dir.appendingPathComponent("Q.npy").path
        _ = try runPython(
            "import numpy as np, sys; np.save(sys.argv[1], np.random.default_rng(3).normal(size=(3, 6, 6)))", [q])
        let f = dir.appendingPathComponent("F.npy").path, n = dir.appendingPathComponent("n.npy").path
        let meta = dir.appendingPathComponent("meta.json").path
        let run = try runLatticeFF([
            "forces", q, "--output", f, "--density", n, "--json", meta, "--filling", filling, "--quiet",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let refF = dir.appendingPathComponent("refF.npy").path, refN = dir.appendingPathComponent("refN.npy").path
        let mus = try runPython(Self.numpyReference, [q, filling, "0.1", refF, refN])
        let check = try runPython(
            """
            import numpy as np, sys, json
            F, n, rF, rn = (np.load(p) for p in sys.argv[1:5])
            assert F.dtype == np.float64 and F.shape == (3, 6, 6) and n.shape == (3, 6, 6), (F.dtype, F.shape)
            m = json.load(open(sys.argv[5])); mus = json.loads(sys.argv[6])
            mu = [c['chemicalPotential'] for c in m['configurations']]
            print(abs(F - rF).max(), abs(n - rn).max(), max(abs(a - b) for a, b in zip(mu, mus)), m['latticeSize'], \
            m['configurationCount'])
            """, [f, n, refF, refN, meta, mus.trimmingCharacters(in: .whitespacesAndNewlines)])
        let values = check.split(separator: " ").compactMap {
            Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try #require(values.count == 5, "\(check)")
        #expect(values[0] < 1e-10 && values[1] < 1e-10, "max |ΔF| \(values[0]), |Δn| \(values[1])")
        #expect(values[2] < 1e-8, "μ differs by \(values[2])")
        #expect(values[3] == 6 && values[4] == 3)

        // A single [L, L] configuration gives [L, L] outputs equal to the batch's first entry.
        let single = dir.appendingPathComponent("Q1.npy").path, f1 = dir.appendingPathComponent("F1.npy").path
        _ = try runPython("import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1])[0])", [q, single])
        let run1 = try runLatticeFF(["forces", single, "--output", f1, "--filling", filling])
        #expect(run1.status == 0, "\(run1.stderr)")
        let d1 = try runPython(
            """
            import numpy as np, sys; a = np.load(sys.argv[1]); assert a.shape == (6, 6); print(abs(a - \
            np.load(sys.argv[2])[0]).max())
            """,
            [f1, f])
        #expect((Double(d1.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1) < 1e-12)
    }

    @Test("Bad input: one-line error, non-zero exit, no output file")
    func badInput() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        _ = try runPython(
            """
            import numpy as np, sys, os
            d = sys.argv[1]
            np.save(os.path.join(d, 'ok.npy'), np.zeros((4, 4)))
            np.save(os.path.join(d, 'nonsquare.npy'), np.zeros((4, 5)))
            np.save(os.path.join(d, 'flat.npy'), np.zeros(16))
            np.save(os.path.join(d, 'tiny.npy'), np.zeros((1, 1)))
            np.save(os.path.join(d, 'float32.npy'), np.zeros((4, 4), np.float32))
            a = np.zeros((2, 4, 4)); a[1, 2, 3] = np.inf; np.save(os.path.join(d, 'inf.npy'), a)
            open(os.path.join(d, 'garbage.npy'), 'wb').write(b'not a numpy file at all')
            """, [dir.path])
        let out = dir.appendingPathComponent("F.npy").path
        let cases: [([String], String, Int32)] = [
            (["nonsquare.npy"], "square", runtimeErrorStatus), (["flat.npy"], "shape", runtimeErrorStatus),
            (["tiny.npy"], "minimum", runtimeErrorStatus),
            (["float32.npy"], "float64", runtimeErrorStatus), (["inf.npy"], "not finite", runtimeErrorStatus),
            (["garbage.npy"], "garbage.npy", runtimeErrorStatus),
            (["missing.npy"], "missing.npy", runtimeErrorStatus),
            (["ok.npy", "--filling", "half"], "--filling", usageErrorStatus),
            (["ok.npy", "--temperature=-0.5"], "temperature", usageErrorStatus),
            (["ok.npy", "--g", "nan"], "coupling", usageErrorStatus),
        ]
        for (arguments, fragment, status) in cases {
            let path = dir.appendingPathComponent(arguments[0]).path
            let run = try runLatticeFF(["forces", path, "--output", out] + arguments.dropFirst())
            #expect(run.status == status, "\(arguments) should fail with exit \(status)")
            let firstLine = run.stderr.split(separator: "\n").first.map(String.init) ?? ""
            #expect(firstLine.hasPrefix("Error:") && firstLine.contains(fragment), "\(arguments): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(arguments) left an output file")
        }
        // Unwritable output location: nothing is computed or written.
        let run = try runLatticeFF([
            "forces", dir.appendingPathComponent("ok.npy").path, "--output", "/nonexistent-dir/F.npy",
        ])
        #expect(run.status == runtimeErrorStatus && run.stderr.contains("does not exist"))
        // An existing output stays intact when the new run fails.
        try Data("keep".utf8).write(to: URL(fileURLWithPath: out))
        let failing = try runLatticeFF(["forces", dir.appendingPathComponent("inf.npy").path, "--output", out])
        #expect(failing.status == runtimeErrorStatus)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep")
    }
}
