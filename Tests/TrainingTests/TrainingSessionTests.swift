import Datasets
import ENN
import ForceModels
import Foundation
import Testing
import Training

/// Recipes: the default is the shipped model's, overrides win, impossible values are dropped or refused.
@Suite("Training recipes")
struct TrainingRecipeTests {
    /// The repository's shipped default model.
    static let shippedModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/holstein-square-d4.npz")

    @Test("The default recipe is the recipe of the shipped default model")
    func defaultIsShipped() throws {
        let model = try EquivariantNetwork<Float>.load(from: Self.shippedModel)
        let recipe = TrainingRecipe.default
        #expect(recipe.readout == model.readout)
        #expect(recipe.inputTransform == model.inputTransform)
        #expect(recipe.baseline == model.baseline)
        #expect(recipe.gate == model.configuration.gate)
        #expect(recipe.head == model.configuration.head)
        #expect(recipe.electronNumberProjection == model.electronNumberProjection)
        #expect(model.channelScales == nil && recipe.inputScaling == .irMaximum)
    }

    @Test(
        "The paper recipe is the paper's Table I training: total force, raw input, no baseline, plateau 0.75/5 at 1e-3")
    func paperIsTableI() {
        let p = TrainingRecipe.paper
        #expect(p.readout == .total && p.inputTransform == .identity && p.baseline == .none && p.head == .linear)
        #expect(p.gate == .reference && p.inputScaling == .irMaximum && p.schedule == .plateau)
        #expect(
            p.learningRate == 1e-3 && p.plateauFactor == 0.75 && p.plateauPatience == 5 && p.batchConfigurations == 1)
        #expect(!p.particleHole && !p.electronNumberProjection)
        #expect(TrainingRecipe.named(.paper) == p && TrainingRecipe.named(.default) == .default)
    }

    @Test(
        "No overrides leave a recipe unchanged; every override wins and is marked in the summary",
        arguments: TrainingRecipeName.allCases)
    func overridesWin(name: TrainingRecipeName) throws {
        let recipe = TrainingRecipe.named(name)
        let plain = try recipe.applying(RecipeOverrides(), architecture: .enn)
        #expect(plain.recipe == recipe && plain.changed.isEmpty && !plain.summary.contains("+"))
        var o = RecipeOverrides()
        (o.readout, o.gate, o.inputScaling, o.inputTransform) = (
            .grandCanonical, .smooth, .channelRMS, .asinh(width: 0.5)
        )
        (o.baseline, o.head, o.schedule, o.learningRate) = (.cluster(radius: 1.5), .fermi(levels: 2), .plateau, 3e-4)
        (o.plateauFactor, o.plateauPatience, o.batchConfigurations) = (0.5, 2, 4)
        (o.particleHole, o.electronNumberProjection) = (false, true)
        let r = try recipe.applying(o, architecture: .enn)
        #expect(r.recipe.name == name && r.recipe.readout == .grandCanonical && r.recipe.gate == .smooth)
        #expect(r.recipe.inputScaling == .channelRMS && r.recipe.inputTransform == .asinh(width: 0.5))
        #expect(
            r.recipe.baseline == .cluster(radius: 1.5) && r.recipe.head == .fermi(levels: 2)
                && r.recipe.schedule == .plateau)
        #expect(r.recipe.learningRate == 3e-4 && r.recipe.plateauFactor == 0.5 && r.recipe.plateauPatience == 2)
        #expect(r.recipe.batchConfigurations == 4 && !r.recipe.particleHole && r.recipe.electronNumberProjection)
        #expect(
            r.summary.hasPrefix(name.rawValue + " (") && r.summary.contains("+baseline cluster:1.5")
                && r.summary.contains("+batch 4"))
        #expect(r.changed.count == 12)
    }

    @Test("Recipe values that cannot apply are dropped: ENN-only ones for the MLP, the baseline for another readout")
    func impossibleRecipeValuesDropped() throws {
        let mlp = try TrainingRecipe.default.applying(RecipeOverrides(), architecture: .mlp).recipe
        #expect(
            mlp.inputTransform == .identity && mlp.baseline == .none && mlp.head == .linear
                && mlp.readout == .grandCanonical)
        var electronic = RecipeOverrides()
        electronic.readout = .electronic
        let r = try TrainingRecipe.default.applying(electronic, architecture: .enn).recipe
        #expect(r.baseline == .none && r.inputTransform == .asinh(width: 0.25))
    }

    @Test("Explicit values that cannot apply are refused with the option's name")
    func impossibleOverridesRefused() {
        var baseline = RecipeOverrides()
        baseline.baseline = .cluster(radius: 2)
        #expect(throws: TrainingSessionError.self) { try TrainingRecipe.paper.applying(baseline, architecture: .enn) }
        for (option, set) in [
            ("--input-transform", { (o: inout RecipeOverrides) in o.inputTransform = .asinh(width: 1) }),
            ("--baseline", { (o: inout RecipeOverrides) in o.baseline = .cluster(radius: 2) }),
            ("--head", { (o: inout RecipeOverrides) in o.head = .fermi(levels: 1) }),
        ] {
            var o = RecipeOverrides()
            set(&o)
            do {
                _ = try TrainingRecipe.default.applying(o, architecture: .mlp)
                Issue.record("\(option) with the MLP was accepted")
            } catch let e as TrainingSessionError {
                #expect(e.message.hasPrefix(option), "\(e.message)")
            } catch { Issue.record("unexpected \(error)") }
        }
    }
}

/// `runTrainingSession` end to end on a seconds-sized dataset, and `evaluateModel` on its output.
@Suite("Training session and evaluation report", .serialized)
struct TrainingSessionTests {
    static let directory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "latticeff-session-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()

    /// The trainer tests' 8×8 fixed-N data (random and quench snapshots), written once.
    static let dataURL: URL = {
        let url = directory.appendingPathComponent("data.npz")
        try! TrainerTests.data.write(to: url)
        return url
    }()

    func request(
        _ name: String, recipe: TrainingRecipeName, overrides: RecipeOverrides = RecipeOverrides(),
        epochs: Int = 1
    ) throws -> TrainingRequest {
        var r = TrainingRequest(
            data: Self.dataURL, output: Self.directory.appendingPathComponent(name),
            recipe: try TrainingRecipe.named(recipe).applying(overrides, architecture: .enn))
        (r.radius, r.ennWidths, r.epochs) = (2, [4, 2], epochs)
        return r
    }

    func noRecovery(_ data: ForceDataset) throws -> ForceDataset {
        Issue.record("generated data carries μ; no recovery expected")
        return data
    }

    @Test("A run writes the best model with its recipe, metrics and a checkpoint; resume continues it")
    func runAndResume() throws {
        var events = [String]()
        let first = try request("paper.npz", recipe: .paper)
        let outcome = try runTrainingSession(first, recoverChemicalPotentials: noRecovery) { event in
            switch event {
            case .started: events.append("started")
            case .epochFinished(let record, let limit, _): events.append("epoch \(record.epoch)/\(limit)")
            case .resumed: events.append("resumed")
            case .scheduleCutByTimeLimit: events.append("cut")
            case .validationSharesTraining: events.append("shared")
            }
        }
        #expect(events == ["started", "epoch 1/1"])
        #expect(outcome.epochsRun == 1 && outcome.history.count == 1 && outcome.best.epoch == 1)
        let saved = try EquivariantNetwork<Float>.load(from: first.output)
        #expect(saved.trainingSummary?.recipe == first.recipe.summary && saved.readout == .total)
        #expect(saved.configuration.gate == .reference && saved.inputTransform == .identity && saved.baseline == .none)
        let csv = try String(contentsOf: first.metricsURL, encoding: .utf8).split(separator: "\n")
        #expect(csv.first.map(String.init) == EpochRecord.csvHeader && csv.count == 2)

        // A second new run refuses to overwrite the checkpoint; resume continues to the new limit.
        #expect(throws: TrainingSessionError.self) {
            try runTrainingSession(first, recoverChemicalPotentials: noRecovery)
        }
        var more = try request("paper.npz", recipe: .paper, epochs: 2)
        more.resume = true
        let resumed = try runTrainingSession(more, recoverChemicalPotentials: noRecovery)
        #expect(resumed.epochsRun == 2 && resumed.history.map(\.epoch) == [1, 2])
        // Resuming with the other recipe's gate is refused; so is resuming without a checkpoint.
        var otherGate = try request("paper.npz", recipe: .default, epochs: 3)
        otherGate.resume = true
        do {
            _ = try runTrainingSession(otherGate, recoverChemicalPotentials: noRecovery)
            Issue.record("resuming a reference-gate checkpoint with the smooth gate was accepted")
        } catch { #expect("\(error)".contains("gate reference"), "\(error)") }
        var none = try request("none.npz", recipe: .paper)
        none.resume = true
        #expect(throws: TrainingSessionError.self) {
            try runTrainingSession(none, recoverChemicalPotentials: noRecovery)
        }
    }

    @Test("A time cap that would stop a cosine schedule early is reported once; a plateau schedule is not")
    func timeCapWarning() throws {
        func cuts(_ schedule: LearningRateSchedule) throws -> [(Int, Int)] {
            var overrides = RecipeOverrides()
            (overrides.schedule, overrides.baseline) = (schedule, ForceBaseline.none)
            var r = try request("cap-\(schedule).npz", recipe: .default, overrides: overrides, epochs: 4)
            r.maxMinutes = 1e-9  // the first epoch already crosses it: 1 of 4 epochs fits
            var found: [(Int, Int)] = []
            _ = try runTrainingSession(r, recoverChemicalPotentials: noRecovery) { event in
                if case .scheduleCutByTimeLimit(let fit, let limit) = event { found.append((fit, limit)) }
            }
            return found
        }
        let cosine = try cuts(.cosine)
        #expect(cosine.count == 1 && cosine.first?.0 == 1 && cosine.first?.1 == 4, "\(cosine)")
        #expect(try cuts(.plateau).isEmpty)
    }

    @Test("The default recipe trains the grand-canonical network over the cluster baseline with an asinh input")
    func defaultRecipeModel() throws {
        let r = try request("default.npz", recipe: .default)
        _ = try runTrainingSession(r, recoverChemicalPotentials: noRecovery)
        let saved = try EquivariantNetwork<Float>.load(from: r.output)
        #expect(saved.readout == .grandCanonical && saved.baseline == .cluster(radius: 2.237))
        #expect(
            saved.inputTransform == .asinh(width: 0.25) && saved.configuration.gate == .smooth
                && saved.electronNumberProjection)
        #expect(saved.trainingSummary?.recipe?.hasPrefix("default (readout grand-canonical") == true)
    }

    @Test("Bad requests are one-line errors before any epoch: lattice too small, too few validation configurations")
    func badRequests() throws {
        var large = try request("large.npz", recipe: .paper)
        large.radius = 5  // needs L ≥ 11 on an 8×8 lattice
        large.ennWidths = [2]
        #expect(throws: TrainingSessionError.self) {
            try runTrainingSession(large, recoverChemicalPotentials: noRecovery)
        }
        #expect(!FileManager.default.fileExists(atPath: large.checkpointURL.path))
        let oneURL = Self.directory.appendingPathComponent("one.npz")
        try ForceDataset(contentsOf: Self.dataURL).subset([0]).write(to: oneURL)
        var held = try request("held.npz", recipe: .paper)
        held.validationData = oneURL  // every third of 1 configuration: none
        #expect(throws: TrainingSessionError.self) {
            try runTrainingSession(held, recoverChemicalPotentials: noRecovery)
        }
        held.validateOnAll = true
        // Its one configuration is a training configuration too: reported before the first epoch.
        var shared: [(Int, Int)] = []
        let outcome = try runTrainingSession(held, recoverChemicalPotentials: noRecovery) { event in
            if case .validationSharesTraining(let count, let validation) = event { shared.append((count, validation)) }
        }
        #expect(outcome.best.epoch == 1)
        #expect(shared.count == 1 && shared.first?.0 == 1 && shared.first?.1 == 1, "\(shared)")
    }

    @Test("The evaluation report: metrics of the chosen subset, |Q| bins that partition the sites and the error")
    func evaluationReport() throws {
        let r = try request("eval.npz", recipe: .paper)
        let outcome = try runTrainingSession(r, recoverChemicalPotentials: noRecovery)
        let data = try ForceDataset(contentsOf: Self.dataURL)
        for subset in EvaluationSubset.allCases {
            let e = try evaluateModel(
                outcome.model, on: data, subset: subset, amplitudeEdges: [0.5, 1, 2], modelName: "m", dataName: "d")
            let chosen = try data.subset(subset.indices(count: data.count))
            #expect(e.exact == chosen.forces && e.predicted.count == chosen.forces.count)
            #expect(e.report.overall == ForceErrorMetrics(predicted: e.predicted, exact: e.exact))
            let bins = try #require(e.report.byAmplitude["all"])
            #expect(bins.map(\.lower) == [0, 0.5, 1, 2] && bins.last?.upper == nil)
            #expect(abs(bins.map(\.siteFraction).reduce(0, +) - 1) < 1e-12)
            #expect(abs(bins.map(\.squaredErrorShare).reduce(0, +) - 1) < 1e-9)
            #expect(e.report.byKind.values.map(\.count).reduce(0, +) == e.report.overall.count)
        }
        // The validation subset is the every-third split's, and the training subset its complement.
        let split = DatasetSplit.everyThird(count: data.count)
        #expect(EvaluationSubset.validation.indices(count: data.count) == split.validation)
        #expect(EvaluationSubset.training.indices(count: data.count) == split.training)
        // Refusals: other Holstein parameters, an empty subset.
        var other = data
        other.metadata.holstein.coupling = 2
        #expect(throws: TrainingSessionError.self) {
            try evaluateModel(
                outcome.model, on: other, subset: .all, amplitudeEdges: [1], modelName: "m", dataName: "d")
        }
        let one = try data.subset([0])
        #expect(throws: TrainingSessionError.self) {
            try evaluateModel(
                outcome.model, on: one, subset: .validation, amplitudeEdges: [1], modelName: "m", dataName: "d")
        }
    }

    @Test(
        "Amplitude-bin edges: positive, finite, strictly increasing",
        arguments: [
            ("0.5,1,2", [0.5, 1, 2] as [Double]?), (" 1 , 3", [1, 3]), ("1,0.5", nil), ("0,1", nil), ("1,,2", nil),
            ("", nil), ("inf", nil),
            ("a", nil),
        ])
    func amplitudeEdges(text: String, expected: [Double]?) {
        #expect(AmplitudeBin.edges(parsing: text) == expected)
    }
}
