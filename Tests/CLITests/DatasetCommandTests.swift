import Foundation
import TestSupport
import Testing

@Suite("latticeff dataset, generate --sampler-model, train --initial-model")
struct DatasetCommandTests {
    @Test(
        """
        split → merge gives back every configuration; info counts kinds; merge refuses other sizes and keeps inputs \
        intact
        """
    )
    func splitMergeInfo() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let path = { (name: String) in dir.appendingPathComponent(name).path }
        let generate = try runLatticeFF([
            "generate", "--size", "8", "--random", "7", "--quench-runs", "1", "--quench-steps", "60",
            "--snapshots", "4", "--seed", "2", "--output", path("d.npz"), "--quiet",
        ])
        #expect(generate.status == 0, "\(generate.stderr)")
        let split = try runLatticeFF([
            "dataset", "split", path("d.npz"), "--training", path("t.npz"), "--validation", path("v.npz"), "--quiet",
        ])
        #expect(split.status == 0, "\(split.stderr)")
        let merge = try runLatticeFF([
            "dataset", "merge", path("t.npz"), path("v.npz"), "--output", path("m.npz"), "--quiet",
        ])
        #expect(merge.status == 0, "\(merge.stderr)")
        // Every third configuration (indices 2, 5, 8) went to validation; merged = training then validation.
        let check = try runPython(
            """
            import numpy as np
            d, t, v, m = (np.load('\(dir.path)/' + n + '.npz') for n in 'dtvm')
            val = [2, 5, 8]; train = [i for i in range(11) if i not in val]
            for k in ['Q', 'F', 'n', 'kind', 'step', 'mu']:
                assert np.array_equal(t[k], d[k][train]) and np.array_equal(v[k], d[k][val]), k
                assert np.array_equal(m[k], np.concatenate([d[k][train], d[k][val]])), k
            print('ok')
            """)
        #expect(check.contains("ok"))
        let info = try runLatticeFF(["dataset", "info", path("m.npz")])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(
            info.stdout.contains("11 configurations of 8×8") && info.stdout.contains("random")
                && info.stdout.contains("quench") && info.stdout.contains("mu): present"), "\(info.stdout)")

        let other = try runLatticeFF([
            "generate", "--size", "10", "--random", "2", "--quench-runs", "0", "--output", path("o.npz"), "--quiet",
        ])
        #expect(other.status == 0, "\(other.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: path("m.npz")))
        let mixed = try runLatticeFF(["dataset", "merge", path("t.npz"), path("o.npz"), "--output", path("m.npz")])
        #expect(mixed.status == runtimeErrorStatus && mixed.stderr.contains("L = 8 and L = 10"), "\(mixed.stderr)")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: path("m.npz"))) == before,
            "a failed merge must not touch the output")
        for (bad, status) in [
            (["dataset", "merge", path("t.npz"), "--output", path("x.npz")], usageErrorStatus),
            (["dataset", "merge", path("t.npz"), path("missing.npz"), "--output", path("x.npz")], runtimeErrorStatus),
            (
                ["dataset", "split", path("d.npz"), "--training", path("x.npz"), "--validation", path("x.npz")],
                usageErrorStatus
            ),
            (["dataset", "info", path("missing.npz")], runtimeErrorStatus),
        ] {
            let r = try runLatticeFF(bad)
            #expect(r.status == status && r.stderr.contains("Error:"), "\(bad): \(r.stderr)")
        }
    }

    /// A fresh directory holding a small dataset d.npz and a small network m.npz (widths 4,2) trained on
    /// it (electronic readout); returns the path of a file name in it. Small widths keep these CLI
    /// checks fast; what they check does not depend on the widths.
    /// The caller keeps `scratch` alive while it uses the files (the directory goes with it).
    private func datasetAndModel() throws -> (scratch: TemporaryDirectory, path: (String) -> String) {
        let scratch = try TemporaryDirectory()
        let path = { (name: String) in scratch.file(name).path }
        let base = try runLatticeFF([
            "generate", "--size", "8", "--random", "9", "--quench-runs", "0", "--seed", "4", "--output", path("d.npz"),
            "--quiet",
        ])
        #expect(base.status == 0, "\(base.stderr)")
        let train = try runLatticeFF([
            "train", "--data", path("d.npz"), "--output", path("m.npz"), "--radius", "2", "--epochs", "1",
            "--readout", "electronic", "--enn-widths", "4,2", "--quiet",
        ])
        #expect(train.status == 0, "\(train.stderr)")
        return (scratch, path)
    }

    @Test("A model samples quench runs that ED labels; train --initial-model fine-tunes it on them")
    func samplerAndFineTuning() throws {
        let (scratch, path) = try datasetAndModel()
        defer { withExtendedLifetime(scratch) {} }
        let sampled = try runLatticeFF([
            "generate", "--size", "8", "--random", "0", "--quench-runs", "1", "--quench-steps", "60",
            "--snapshots", "6", "--sampler-model", path("m.npz"), "--output", path("s.npz"),
        ])
        #expect(sampled.status == 0, "\(sampled.stderr)")
        #expect(sampled.stderr.contains("driven by") && sampled.stderr.contains("6 ED solves"), "\(sampled.stderr)")
        let info = try runLatticeFF(["dataset", "info", path("s.npz")])
        #expect(info.stdout.contains("quench-sampled      6"), "\(info.stdout)")

        let tune = try runLatticeFF([
            "train", "--data", path("s.npz"), "--output", path("t.npz"), "--initial-model", path("m.npz"),
            "--readout", "electronic", "--epochs", "1", "--learning-rate", "1e-4",
        ])
        #expect(tune.status == 0 && tune.stderr.contains("starting from"), "\(tune.stderr)")
        let wrongReadout = try runLatticeFF([
            "train", "--data", path("s.npz"), "--output", path("u.npz"), "--initial-model", path("m.npz"),
        ])
        #expect(
            wrongReadout.status == runtimeErrorStatus && wrongReadout.stderr.contains("--readout electronic"),
            "\(wrongReadout.stderr)")
        let missing = try runLatticeFF([
            "generate", "--size", "8", "--random", "1", "--quench-runs", "1", "--sampler-model", path("none.npz"),
            "--output", path("x.npz"),
        ])
        #expect(missing.status == runtimeErrorStatus && missing.stderr.contains("--sampler-model"), "\(missing.stderr)")
        let both = try runLatticeFF([
            "train", "--data", path("s.npz"), "--output", path("t.npz"), "--initial-model", path("m.npz"), "--resume",
        ])
        #expect(both.status == usageErrorStatus && both.stderr.contains("--resume"), "\(both.stderr)")
    }

    @Test(
        """
        train --input-transform and --enn-widths: recorded in the model, kept by --resume, refused where they cannot \
        apply
        """
    )
    func inputTransformAndWidths() throws {
        let (scratch, path) = try datasetAndModel()
        defer { withExtendedLifetime(scratch) {} }
        // --input-transform: recorded in the model; refused where it cannot apply.
        let asinh = try runLatticeFF([
            "train", "--data", path("d.npz"), "--output", path("a.npz"), "--radius", "2", "--epochs", "1",
            "--input-transform", "asinh:0.5", "--recipe", "paper", "--enn-widths", "4,2", "--quiet",
        ])
        #expect(asinh.status == 0, "\(asinh.stderr)")
        let asinhInfo = try runLatticeFF(["model", "info", path("a.npz")])
        #expect(asinhInfo.stdout.contains("input transform: Q → asinh:0.5"), "\(asinhInfo.stdout)")
        // --enn-widths: a network of the requested widths is trained and stored (parameter count = the
        // `model init` network of the same widths), resume needs the same widths; bad values are refused.
        let narrow = try runLatticeFF([
            "train", "--data", path("d.npz"), "--output", path("w.npz"), "--radius", "2", "--epochs", "1",
            "--enn-widths", "6,3", "--readout", "total", "--quiet",
        ])
        #expect(narrow.status == 0, "\(narrow.stderr)")
        let reference = try runLatticeFF([
            "model", "init", "--seed", "1", "--radius", "2", "--widths", "6,3", "--output", path("ref.npz"),
        ])
        #expect(reference.status == 0, "\(reference.stderr)")
        let narrowInfo = try runLatticeFF(["model", "info", path("w.npz")]),
            referenceInfo = try runLatticeFF(["model", "info", path("ref.npz")])
        let count = { (text: String) in
            text.split(separator: "\n").first { $0.contains("parameters ") }.map(String.init)
        }
        #expect(
            count(narrowInfo.stdout) != nil && count(narrowInfo.stdout) == count(referenceInfo.stdout),
            "\(narrowInfo.stdout)")
        #expect(
            narrowInfo.stdout.contains("layer 3: auxiliary") && !narrowInfo.stdout.contains("layer 4"),
            "\(narrowInfo.stdout)")
        let resumeOther = try runLatticeFF([
            "train", "--data", path("d.npz"), "--output", path("w.npz"), "--radius", "2", "--epochs", "2",
            "--resume", "--quiet",
        ])
        #expect(
            resumeOther.status == runtimeErrorStatus && resumeOther.stderr.contains("layout"), "\(resumeOther.stderr)")
        let resumeSame = try runLatticeFF([
            "train", "--data", path("d.npz"), "--output", path("w.npz"), "--radius", "2", "--epochs", "2",
            "--enn-widths", "6,3", "--resume", "--quiet",
        ])
        #expect(resumeSame.status == 0, "\(resumeSame.stderr)")
        try expectTrainRefuses(
            [
                ["--enn-widths", "6,0"], ["--enn-widths", "a"], ["--enn-widths", "8", "--architecture", "mlp"],
                ["--enn-widths", "8", "--initial-model", path("m.npz"), "--readout", "electronic"],
            ], path: path)
        try expectTrainRefuses(
            [
                ["--input-transform", "asinh:0"], ["--input-transform", "log"],
                ["--input-transform", "asinh:1", "--architecture", "mlp"],
                ["--input-transform", "asinh:1", "--initial-model", path("m.npz"), "--readout", "electronic"],
            ], path: path)
    }

    @Test(
        """
        train --head fermi:K and --baseline cluster:R: recorded in the model, kept by --resume, refused where they \
        cannot apply
        """
    )
    func headAndBaseline() throws {
        let (scratch, path) = try datasetAndModel()
        defer { withExtendedLifetime(scratch) {} }
        // --head fermi:K: a new network with 1 + 2K readout channels, or a linear --initial-model
        // turned into one (same forces at the start); resume needs the same head; bad values are refused.
        let fermi = try runLatticeFF([
            "train", "--data", path("d.npz"), "--output", path("h.npz"), "--radius", "2", "--epochs", "1",
            "--readout", "grand-canonical", "--head", "fermi:1", "--recipe", "paper", "--enn-widths", "4,2", "--quiet",
        ])
        #expect(fermi.status == 0, "\(fermi.stderr)")
        let fermiInfo = try runLatticeFF(["model", "info", path("h.npz")])
        #expect(
            fermiInfo.stdout.contains("head fermi:1") && fermiInfo.stdout.contains("readout 3A1"), "\(fermiInfo.stdout)"
        )
        let fermiResume = try runLatticeFF([
            "train", "--data", path("d.npz"), "--output", path("h.npz"), "--radius", "2", "--epochs", "2",
            "--readout", "grand-canonical", "--recipe", "paper", "--enn-widths", "4,2", "--resume", "--quiet",
        ])
        #expect(
            fermiResume.status == runtimeErrorStatus && fermiResume.stderr.contains("layout"), "\(fermiResume.stderr)")
        let widened = try runLatticeFF([
            "train", "--data", path("d.npz"), "--output", path("hw.npz"), "--initial-model", path("m.npz"),
            "--readout", "electronic", "--head", "fermi:2", "--epochs", "1",
        ])
        #expect(widened.status == 0 && widened.stderr.contains("head fermi:2"), "\(widened.stderr)")
        let fermiInit = try runLatticeFF([
            "model", "init", "--seed", "1", "--radius", "2", "--widths", "4,2", "--head", "fermi:3", "--output",
            path("hi.npz"),
        ])
        #expect(fermiInit.status == 0, "\(fermiInit.stderr)")
        #expect(try runLatticeFF(["model", "info", path("hi.npz")]).stdout.contains("readout 7A1"))
        // --baseline cluster:R: the network learns the remainder over the cluster ED; the model and the
        // checkpoint keep the baseline and the output scale (resume needs no --baseline).
        let based = try runLatticeFF([
            "train", "--data", path("d.npz"), "--output", path("c.npz"), "--radius", "2", "--epochs", "1",
            "--readout", "grand-canonical", "--baseline", "cluster:1.5", "--enn-widths", "4,2", "--quiet",
        ])
        #expect(based.status == 0, "\(based.stderr)")
        let basedInfo = try runLatticeFF(["model", "info", path("c.npz")])
        #expect(
            basedInfo.stdout.contains("baseline: cluster ED of radius 1.5 (9 sites)")
                && basedInfo.stdout.contains("output scale"),
            "\(basedInfo.stdout)")
        let basedResume = try runLatticeFF([
            "train", "--data", path("d.npz"), "--output", path("c.npz"), "--radius", "2", "--epochs", "2",
            "--readout", "grand-canonical", "--enn-widths", "4,2", "--resume", "--quiet",
        ])
        #expect(basedResume.status == 0, "\(basedResume.stderr)")
        #expect(
            try runLatticeFF(["model", "info", path("c.npz")]).stdout.contains("baseline: cluster ED of radius 1.5"))
        try expectTrainRefuses(
            [
                ["--baseline", "cluster:0.5", "--readout", "grand-canonical"],
                ["--baseline", "cluster:1.5", "--readout", "electronic"],
                ["--baseline", "cluster:1.5", "--readout", "grand-canonical", "--architecture", "mlp"],
                ["--baseline", "cluster:1.5", "--readout", "electronic", "--initial-model", path("m.npz")],
            ], path: path)
        try expectTrainRefuses(
            [["--head", "fermi:0"], ["--head", "sigmoid"], ["--head", "fermi:1", "--architecture", "mlp"]], path: path)
    }

    /// `train` on d.npz with each of `arguments` added is a usage error (64) with one `Error:` line, and
    /// writes no model.
    private func expectTrainRefuses(_ arguments: [[String]], path: (String) -> String) throws {
        for bad in arguments {
            let r = try runLatticeFF(
                ["train", "--data", path("d.npz"), "--output", path("b.npz"), "--epochs", "1"] + bad)
            #expect(
                r.status == usageErrorStatus && r.stderr.hasPrefix("Error:")
                    && !FileManager.default.fileExists(atPath: path("b.npz")),
                "\(bad): \(r.stderr)")
        }
    }
}
