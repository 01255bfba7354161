import Foundation
import Testing

/// `latticeff train` and `evaluate`: help text, exit codes, recipes.
@Suite("latticeff train / evaluate: help, exit codes, recipes")
struct TrainEvaluateCommandTests {
    @Test("train --help and evaluate --help print exactly the committed text", arguments: [
        (["train"], GoldenHelp.train), (["evaluate"], GoldenHelp.evaluate),
    ])
    func goldenHelp(arguments: [String], expected: String) throws {
        let r = try helpText(arguments)
        #expect(r.status == 0)
        #expect(r.stdout == expected, "\(firstDifference(r.stdout, expected))")
    }

    /// Every bad option value or contradiction is a usage error (64) found before the data is read.
    @Test("Usage errors exit with 64 and a one-line message naming the option", arguments: [
        ["--output", "m.txt"], ["--recipe", "fancy"], ["--readout", "force"], ["--gate", "relu"], ["--schedule", "linear"],
        ["--architecture", "cnn"], ["--input-scaling", "max"], ["--input-transform", "log"], ["--input-transform", "asinh:0"],
        ["--baseline", "cluster:9"], ["--head", "fermi:0"], ["--recipe", "paper", "--baseline", "cluster:1.5"],
        ["--readout", "electronic", "--baseline", "cluster:1.5"], ["--architecture", "mlp", "--head", "fermi:1"],
        ["--learning-rate", "-1"], ["--plateau-factor", "2"], ["--batch", "0"], ["--epochs", "0"], ["--validate-on-all"],
        ["--resume", "--baseline", "cluster:1.5"], ["--enn-widths", "4,x"], ["--mlp-widths", "8"],
    ])
    func trainUsageErrors(extra: [String]) throws {
        let dir = try temporaryDirectory()
        var arguments = ["train", "--data", dir.appendingPathComponent("none.npz").path, "--output", dir.appendingPathComponent("m.npz").path]
        if extra.first == "--output" { arguments.removeLast(2) }
        let r = try runLatticeFF(arguments + extra)
        #expect(r.status == usageErrorStatus, "\(extra): \(r.stderr)")
        #expect(r.stderr.hasPrefix("Error:") && !r.stderr.contains("none.npz"), "\(extra): \(r.stderr)")
    }

    @Test("evaluate: bad --subset and --amplitude-bins are usage errors (64); missing files are runtime errors (1)")
    func evaluateExitCodes() throws {
        let dir = try temporaryDirectory()
        let missing = ["evaluate", "--model", dir.appendingPathComponent("m.npz").path, "--data", dir.appendingPathComponent("d.npz").path]
        for (extra, status) in [(["--subset", "test"], usageErrorStatus), (["--amplitude-bins", "1,0.5"], usageErrorStatus),
                                ([], runtimeErrorStatus)] {
            let r = try runLatticeFF(missing + extra)
            #expect(r.status == status && r.stderr.hasPrefix("Error:"), "\(extra): \(r.stderr)")
        }
    }

    @Test("train: the default recipe is recorded (no '+'), overrides are marked, --recipe paper trains the Table I network; runtime errors exit 1")
    func recipesRecorded() throws {
        let dir = try temporaryDirectory()
        let path = { (name: String) in dir.appendingPathComponent(name).path }
        let generate = try runLatticeFF(["generate", "--size", "8", "--random", "6", "--quench-runs", "0", "--seed", "2",
                                         "--output", path("d.npz"), "--quiet"])
        #expect(generate.status == 0, "\(generate.stderr)")
        let small = ["--data", path("d.npz"), "--radius", "2", "--enn-widths", "4,2", "--epochs", "1", "--quiet"]
        let plain = try runLatticeFF(["train", "--output", path("default.npz")] + small)
        #expect(plain.status == 0, "\(plain.stderr)")
        let plainInfo = try runLatticeFF(["model", "info", path("default.npz")]).stdout
        let recipeLine = plainInfo.split(separator: "\n").first { $0.hasPrefix("training recipe: ") }.map(String.init) ?? ""
        #expect(recipeLine.hasPrefix("training recipe: default (readout grand-canonical, gate smooth") && !recipeLine.contains("+"), "\(plainInfo)")
        #expect(plainInfo.contains("input transform: Q → asinh:0.25") && plainInfo.contains("baseline: cluster ED of radius 2.237"), "\(plainInfo)")
        let changed = try runLatticeFF(["train", "--output", path("plateau.npz"), "--schedule", "plateau"] + small)
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try runLatticeFF(["model", "info", path("plateau.npz")]).stdout.contains("+schedule plateau"))
        let paper = try runLatticeFF(["train", "--output", path("paper.npz"), "--recipe", "paper"] + small)
        #expect(paper.status == 0, "\(paper.stderr)")
        let paperInfo = try runLatticeFF(["model", "info", path("paper.npz"), "--json"])
        let meta = try #require(try JSONSerialization.jsonObject(with: Data(paperInfo.stdout.utf8)) as? [String: Any])
        #expect(meta["readout"] as? String == "total" && meta["gate"] as? String == "reference" && meta["baseline"] == nil)
        #expect(((meta["training"] as? [String: Any])?["recipe"] as? String)?.hasPrefix("paper (readout total") == true)
        // Runtime failures: no such dataset; a checkpoint in the way; --resume without one. Nothing is written.
        for (arguments, message) in [(["train", "--data", path("none.npz"), "--output", path("x.npz")], "none.npz"),
                                     (["train", "--output", path("paper.npz"), "--recipe", "paper"] + small, "--resume"),
                                     (["train", "--output", path("x.npz"), "--resume"] + small, "no checkpoint")] {
            let r = try runLatticeFF(arguments)
            #expect(r.status == runtimeErrorStatus && r.stderr.hasPrefix("Error:") && r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: path("x.npz")))
    }
}

/// The committed `--help` text (80 columns). Regenerate with `COLUMNS=80 latticeff VERB --help` when a
/// help string changes on purpose.
enum GoldenHelp {
    static let train = #"""
        OVERVIEW: Train the equivariant network (or the MLP baseline) on an ED dataset
        (Adam, best-on-validation model).

        --recipe default (the recipe of the shipped model
        models/holstein-square-d4.npz): grand-canonical readout, input transform
        asinh:0.25, cluster:2.237 baseline, smooth gate, cosine schedule from 1e-3,
        particle–hole images, electron-number projection. --recipe paper (the paper's
        Table I training): total readout, identity input, no baseline, reference gate,
        reduce-on-plateau 0.75/5 from 1e-3, no augmentation. Every option below that
        names a recipe value overrides it; `latticeff model info` shows the recipe a
        model was trained with. Writes OUTPUT (the best model on the validation set),
        OUTPUT.metrics.csv (one line per epoch), OUTPUT.learning-curve.png, and
        OUTPUT.checkpoint.npz after every epoch; --resume continues from that
        checkpoint exactly. The validation set is every third configuration unless
        --val-fraction is given. --architecture mlp trains the non-symmetric baseline
        instead: a SiLU perceptron on the raw neighbourhood values of Q with the
        equivariant network's parameter budget (3 × 256 for radius √13).

        USAGE: latticeff train [<options>] --data <data> --output <output>

        OPTIONS:
          --data <data>           Dataset (.npz from latticeff generate).
          --output <output>       Output model (.npz).
          --recipe <recipe>       Training recipe: default (the shipped default
                                  model's) or paper (the paper's Table I). (values:
                                  default, paper; default: default)
          --epochs <epochs>       Maximum epochs. (default: 100)
          --learning-rate <learning-rate>
                                  Initial learning rate (recipe: 1e-3). With --resume:
                                  continue at this rate (the schedule restarts from it).
          --schedule <schedule>   Learning-rate schedule: plateau (reduce-on-plateau of
                                  the validation loss; recipe paper) or cosine (anneal
                                  to 0 over --epochs; recipe default). (values:
                                  plateau, cosine)
          --batch <batch>         Configurations per Adam step (recipe: 1).
          --val-fraction <val-fraction>
                                  Validation fraction for a random split (default:
                                  every third configuration).
          --split-seed <split-seed>
                                  Seed of the random split. (default: 1)
          --seed <seed>           Seed of the weight initialisation and the shuffling.
                                  (default: 1)
          --architecture <architecture>
                                  Model: enn (the equivariant network) or mlp (the
                                  non-symmetric perceptron baseline). (values: enn,
                                  mlp; default: enn)
          --mlp-widths <mlp-widths>
                                  Hidden widths of the MLP, comma-separated (default: 3
                                  equal layers with the ENN's parameter count,
                                  256,256,256 for √13).
          --enn-widths <enn-widths>
                                  Hidden widths of the ENN per IR, comma-separated, one
                                  number per gated layer (paper Table I: 32,8,4). Pass
                                  the same value with --resume.
          --gate <gate>           Gate of the ENN: smooth (recipe default) or reference
                                  (recipe paper). Pass the same value with --resume.
                                  (values: smooth, reference)
          --radius <radius>       Neighbourhood radius (lattice units; default √13).
                                  (default: 3.605551275463989)
          --readout <readout>     Readout: total (the network learns F; recipe paper),
                                  electronic (it learns g(n − ½); the exact elastic
                                  force is added) or grand-canonical (it learns g(n −
                                  ½) at μ = 0, a local map; fixed-N forces solve for
                                  the chemical potential; recipe default). (values:
                                  total, electronic, grand-canonical)
          --input-scaling <input-scaling>
                                  Input normalisation: ir-max (one scale per IR type,
                                  largest value; both recipes) or channel-rms (unit RMS
                                  per input channel). (values: ir-max, channel-rms)
          --input-transform <input-transform>
                                  ENN only: pointwise map of Q before the features,
                                  identity (recipe paper) or asinh:W (W·asinh(Q/W);
                                  recipe default asinh:0.25; docs/TRAINING.md).
          --head <head>           ENN only: how the readout becomes the force, linear
                                  (both recipes) or fermi:K (K exact Fermi steps in the
                                  site's own Q; docs/TRAINING.md). Pass the same value
                                  with --resume; with --initial-model it turns a
                                  linear-head model into a fermi:K one with unchanged
                                  forces at the start.
          --baseline <baseline>   ENN with --readout grand-canonical only: what the
                                  network's output is added to, none (recipe paper) or
                                  cluster:R (exact diagonalization of the R-cluster
                                  around each site; recipe default cluster:2.237 = the
                                  21 sites within √5; docs/TRAINING.md). Kept by
                                  --resume and --initial-model.
          --particle-hole/--no-particle-hole
                                  Also train on the particle–hole image (−Q, −F) of
                                  every configuration (exact at half filling, even L;
                                  recipe default: on where exact).
          --electron-projection/--no-electron-projection
                                  Project fixed-N forces onto the sum rule Σ g(n − ½) =
                                  0 (recipe default: on for fixed-N data; recipe paper:
                                  off).
          --plateau-patience <plateau-patience>
                                  Reduce-on-plateau patience in epochs (recipe: 5).
          --plateau-factor <plateau-factor>
                                  Reduce-on-plateau factor (recipe: 0.75).
          --early-stopping <early-stopping>
                                  Stop after this many epochs without validation
                                  improvement.
          --max-minutes <max-minutes>
                                  Stop after this many minutes (checked after each
                                  epoch).
          --limit-training <limit-training>
                                  Use only K training configurations, spread evenly
                                  over the training set so the mix of kinds is kept
                                  (learning curves).
          --validation-data <validation-data>
                                  Validate on this dataset instead of a split of --data
                                  (every third configuration of it, or all with
                                  --validate-on-all); all of --data is then training
                                  data.
          --validate-on-all       With --validation-data: validate on all of its
                                  configurations.
          --initial-model <initial-model>
                                  Start from this trained model's weights and input
                                  scales (fine-tuning on new data); its architecture,
                                  gate, radius, input transform and baseline are used.
          --resume                Continue from OUTPUT.checkpoint.npz.
          --quiet                 No progress output.
          --version               Show the version.
          -h, --help              Show help information.


        """#
    static let evaluate = #"""
        OVERVIEW: Force errors of a model (ENN or MLP) on an ED dataset: RMSE, MAE,
        max, R², σ_δ (overall and per kind), parity plot and histogram.

        USAGE: latticeff evaluate --model <model> --data <data> [--json <json>] [--plots <plots>] [--subset <subset>] [--amplitude-bins <amplitude-bins>]

        OPTIONS:
          --model <model>         Model file (.npz).
          --data <data>           Dataset (.npz).
          --json <json>           Write the metrics as JSON here.
          --plots <plots>         Write parity.png and error-histogram.png into this
                                  directory.
          --subset <subset>       Which configurations: all, validation or training
                                  (the default every-third split). (values: all,
                                  validation, training; default: all)
          --amplitude-bins <amplitude-bins>
                                  Edges of the |Q_i| bins of the error-by-amplitude
                                  table, comma-separated and increasing (sites with a
                                  small lattice distortion carry most of the error).
                                  (default: 0.5,1,2)
          --version               Show the version.
          -h, --help              Show help information.


        """#
}
