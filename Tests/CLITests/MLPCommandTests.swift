import Foundation
import TestSupport
import Testing

@Suite("latticeff train --architecture mlp and the commands that read its model")
struct MLPCommandTests {
    @Test("generate → train --architecture mlp → evaluate, model info, predict, simulate --forces MODEL.npz")
    func workflow() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let data = dir.appendingPathComponent("d.npz").path, model = dir.appendingPathComponent("m.npz").path
        let generate = try runLatticeFF([
            "generate", "--size", "7", "--random", "9", "--quench-runs", "0", "--seed", "3",
            "--output", data, "--quiet",
        ])
        #expect(generate.status == 0, "\(generate.stderr)")
        let train = try runLatticeFF([
            "train", "--data", data, "--output", model, "--architecture", "mlp", "--mlp-widths", "16,16",
            "--radius", "2", "--epochs", "2", "--learning-rate", "0.003",
        ])
        #expect(train.status == 0, "\(train.stderr)")
        // 13 inputs → 16 → 16 → 1: (13 + 1)·16 + 17·16 + 17 = 513 parameters.
        #expect(train.stderr.contains("architecture mlp (hidden 16,16, silu), 513 parameters"), "\(train.stderr)")
        #expect(FileManager.default.fileExists(atPath: model + ".metrics.csv"))

        let json = dir.appendingPathComponent("eval.json").path
        let evaluate = try runLatticeFF(["evaluate", "--model", model, "--data", data, "--json", json])
        #expect(evaluate.status == 0 && evaluate.stdout.contains("all"), "\(evaluate.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let rmse = try #require((report["overall"] as? [String: Any])?["rmse"] as? Double)
        #expect(rmse.isFinite && rmse > 0)
        // σ_δ, the tail statistics and the |Q| bins agree with numpy on predict's forces for the dataset's Q.
        let dq = dir.appendingPathComponent("dq.npy").path, df = dir.appendingPathComponent("df.npy").path
        #expect(try python("import numpy; numpy.save('\(dq)', numpy.load('\(data)')['Q'])").0 == 0)
        #expect(try runLatticeFF(["predict", "--model", model, dq, "--output", df]).status == 0)
        let (agree, agreeText) = try python(
            """
            import json, numpy
            d = numpy.load('\(data)'); r = json.load(open('\(json)'))
            delta = (numpy.load('\(df)') - d['F']).ravel(); q = numpy.abs(d['Q']).ravel()
            o = r['overall']
            assert abs(o['sigmaDelta'] - delta.std()) < 1e-9, (o['sigmaDelta'], delta.std())
            assert abs(o['medianAbsError'] - numpy.median(abs(delta))) < 1e-12
            s = numpy.sort(delta**2); k = max(1, len(s) // 100)
            assert abs(o['top1PercentShare'] - s[-k:].sum() / s.sum()) < 1e-9
            bins = r['byAmplitude']['all']; edges = [0, 0.5, 1, 2, numpy.inf]
            assert [b['lower'] for b in bins] == edges[:-1] and bins[-1].get('upper') is None
            assert abs(sum(b['siteFraction'] for b in bins) - 1) < 1e-12 and abs(sum(b['squaredErrorShare'] for b in \
            bins) - 1) < 1e-9
            for b, lo, hi in zip(bins, edges, edges[1:]):
                m = (q >= lo) & (q < hi)
                assert abs(b['siteFraction'] - m.mean()) < 1e-12
                if m.any(): assert abs(b['metrics']['rmse'] - numpy.sqrt((delta[m]**2).mean())) < 1e-9
            print('ok')
            """)
        #expect(agree == 0 && agreeText.contains("ok"), "\(agreeText)")
        let badBins = try runLatticeFF(["evaluate", "--model", model, "--data", data, "--amplitude-bins", "1,0.5"])
        #expect(badBins.status == usageErrorStatus && badBins.stderr.contains("--amplitude-bins"), "\(badBins.stderr)")

        let info = try runLatticeFF(["model", "info", model])
        #expect(
            info.status == 0 && info.stdout.contains("multilayer perceptron") && info.stdout.contains("parameters 513"),
            "\(info.stdout)")
        let metaRun = try runLatticeFF(["model", "info", model, "--json"])
        let meta = try #require(try JSONSerialization.jsonObject(with: Data(metaRun.stdout.utf8)) as? [String: Any])
        #expect(meta["architecture"] as? String == "mlp" && meta["widths"] as? [Int] == [16, 16])
        #expect((meta["training"] as? [String: Any])?["epochs"] as? Int == 2)

        let q = dir.appendingPathComponent("q.npy").path, f = dir.appendingPathComponent("f.npy").path
        let (status, out) = try python(
            "import numpy; numpy.save('\(q)', numpy.random.default_rng(1).normal(size=(2, 8, 8)))")
        #expect(status == 0, "\(out)")
        let predict = try runLatticeFF(["predict", "--model", model, q, "--output", f])
        #expect(predict.status == 0, "\(predict.stderr)")
        let check = try runPython(
            "import numpy; f = numpy.load('\(f)'); assert f.shape == (2, 8, 8) and numpy.isfinite(f).all(); print('ok')"
        )
        #expect(check.contains("ok"))

        let run = dir.appendingPathComponent("run")
        let simulate = try runLatticeFF([
            "simulate", "--quiet", "--forces", model, "--size", "8", "--steps", "20", "--seed", "1",
            "--coupling", "3.5", "--output", run.path,
        ])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let params = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("params.json")))
                as? [String: Any])
        #expect((params["forceField"] as? [String: Any])?["kind"] as? String == "mlp")

        // Resuming with the other architecture is refused with a one-line error.
        let wrong = try runLatticeFF([
            "train", "--data", data, "--output", model, "--radius", "2", "--epochs", "3", "--resume", "--quiet",
        ])
        #expect(wrong.status == runtimeErrorStatus && wrong.stderr.contains("architecture mlp"), "\(wrong.stderr)")
    }

    @Test("Unknown architectures and --mlp-widths without mlp or malformed are rejected")
    func badOptions() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        for extra in [
            ["--architecture", "cnn"], ["--mlp-widths", "8,8"], ["--architecture", "mlp", "--mlp-widths", "8,x"],
            ["--architecture", "mlp", "--mlp-widths", "0"],
        ] {
            let r = try runLatticeFF(
                [
                    "train", "--data", dir.appendingPathComponent("none.npz").path,
                    "--output", dir.appendingPathComponent("m.npz").path,
                ] + extra)
            #expect(r.status == usageErrorStatus && r.stderr.contains("Error:"), "\(extra): \(r.stderr)")
            #expect(!r.stderr.contains("none.npz"), "\(extra): options must be checked before the data is read")
        }
    }
}
