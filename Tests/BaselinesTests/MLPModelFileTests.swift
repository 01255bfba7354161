import Baselines
import ENN
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import IO
import TestSupport
import Testing

@Suite("MLP model file and the model loader")
struct MLPModelFileTests {
    func model(widths: [Int]? = nil) throws -> MultilayerPerceptron<Float> {
        let mlp = try MultilayerPerceptron<Float>(
            hiddenWidths: widths,
            parameterBudget: try NetworkStructure.referenceParameterCount(radius: 13.0.squareRoot()), seed: 31,
            holstein: HolsteinParameters(coupling: 3))
        mlp.inputScale = 4.25
        mlp.readout = .electronic
        mlp.trainingSummary = TrainingSummary(epochs: 3, validationLoss: 0.25, notes: ["data": "x.npz"])
        return mlp
    }

    @Test("Round trip through ForceModelFile: same weights, scale, readout, metadata; numpy reads arrays and checksum")
    func roundTrip() throws {
        let mlp = try model()
        let url = try temporaryModelURL()
        try mlp.save(to: url)
        let loaded = try ForceModelFile.load(from: url)
        #expect(loaded.architecture == "mlp" && loaded.parameterCount == 143_617)
        let back = try #require(loaded as? MultilayerPerceptron<Float>)
        #expect(back.parameters == mlp.parameters && back.hiddenWidths == [256, 256, 256])
        #expect(back.inputScale == 4.25 && back.readout == .electronic && back.holstein == mlp.holstein)
        #expect(back.trainingSummary == mlp.trainingSummary && back.radius == mlp.radius)
        #expect(back.weightsSHA256 == mlp.weightsSHA256 && back.metadata == mlp.metadata)
        var random = TestRandom(seed: 2)
        let q = random.field(81)
        #expect(try loaded.forces(configuration: q, size: 9) == (try mlp.forces(configuration: q, size: 9)))
        let (status, output) = try python(
            pythonModelFileChecks(url) + """
                assert sum(z[n].size for n in meta['parameterOrder']) == meta['parameterCount'] == 143617
                assert meta['parameterOrder'][:3] == ['layer0.weight', 'layer0.bias', 'layer1.weight'], \
                meta['parameterOrder']
                assert z['layer0.weight'].shape == (45, 256) and z['layer0.weight'].dtype == numpy.float32
                assert z['layer3.weight'].shape == (256, 1) and z['layer3.bias'].shape == (1,)
                assert meta['widths'] == [256, 256, 256] and meta['neighbourhoodSites'] == 45
                print('ok', meta['architecture'], meta['activation'], meta['readout'], meta['inputScale'])
                """)
        #expect(status == 0 && output.contains("ok mlp silu electronic 4.25"), Comment(rawValue: output))
    }

    @Test(
        "A shipped ENN model written before the architecture key (no key) still loads through ForceModelFile, unchanged"
    )
    func shippedENN() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("models/holstein-square-d4-electronic.npz")
        let archive = try NPZArchive(contentsOf: url)
        let meta = try #require(
            try JSONSerialization.jsonObject(with: archive.extraFiles["metadata.json"]!) as? [String: Any])
        #expect(meta["architecture"] == nil)
        let loaded = try ForceModelFile.load(from: url)
        let direct = try EquivariantNetwork<Float>.load(from: url)
        #expect(loaded.architecture == "enn" && loaded.parameters == direct.parameters)
        #expect(loaded.weightsSHA256 == direct.weightsSHA256 && loaded.readout == direct.readout)
        // A freshly written ENN file says "enn" and loads the same way.
        let copy = try temporaryModelURL()
        try direct.save(to: copy)
        #expect(try ForceModelFile.load(from: copy).architecture == "enn")
        #expect(String(decoding: try direct.metadataJSON(), as: UTF8.self).contains("\"architecture\" : \"enn\""))
        // Each loader refuses the other architecture with a pointer to ForceModelFile.
        let mlpURL = try temporaryModelURL()
        try model(widths: [4]).save(to: mlpURL)
        #expect { try EquivariantNetwork<Float>.load(from: mlpURL) } throws: {
            ($0 as? ForceModelError)?.message.contains("architecture 'mlp'") == true
        }
        #expect { try MultilayerPerceptron<Float>.load(from: copy) } throws: {
            ($0 as? ForceModelError)?.message.contains("architecture 'enn'") == true
        }
    }

    /// A saved model's archive with `edit` applied, loaded through `ForceModelFile`: must throw a
    /// one-line error naming the file and containing `expected`.
    func expectRejected(_ expected: String, _ edit: (inout NPZArchive, inout [String: Any]) throws -> Void) throws {
        var archive = try model(widths: [6, 5]).modelArchive()
        var meta = try #require(
            try JSONSerialization.jsonObject(with: archive.extraFiles["metadata.json"]!) as? [String: Any])
        try edit(&archive, &meta)
        if !meta.isEmpty { archive.extraFiles["metadata.json"] = try JSONSerialization.data(withJSONObject: meta) }
        do {
            _ = try ForceModelFile.load(archive: archive, path: "m.npz")
            Issue.record("accepted a bad model file (\(expected))")
        } catch let error as ForceModelError {
            #expect(
                error.message.contains(expected) && error.message.contains("m.npz"), Comment(rawValue: error.message))
            #expect(!error.message.contains("\n"))
        }
    }

    @Test("Corrupt, modified or inconsistent MLP files are rejected with one-line errors")
    func rejected() throws {
        try expectRejected("SHA-256") { a, _ in
            var w = try a.array("layer1.weight").floats()
            w[0] += 1
            a.arrays["layer1.weight"] = try NumPyArray(w, shape: [6, 5])
        }
        try expectRejected("missing weight array 'layer2.bias'") { a, _ in a.arrays["layer2.bias"] = nil }
        try expectRejected("shape") { a, _ in
            a.arrays["layer1.weight"] = try NumPyArray([Float](repeating: 0, count: 30), shape: [5, 6])
        }
        try expectRejected("dtype") { a, _ in a.arrays["layer2.bias"] = NumPyArray([0.0]) }
        try expectRejected("non-finite") { a, _ in
            var w = try a.array("layer0.bias").floats()
            w[1] = .nan
            a.arrays["layer0.bias"] = try NumPyArray(w, shape: [6])
        }
        try expectRejected("unexpected array 'extra'") { a, _ in a.arrays["extra"] = NumPyArray([Float(1)]) }
        try expectRejected("no metadata.json") { a, m in
            a.extraFiles = [:]
            m = [:]
        }
        try expectRejected("format version 2") { _, m in m["formatVersion"] = 2 }
        try expectRejected("missing key 'widths'") { _, m in m["widths"] = nil }
        try expectRejected("bad value at 'activation'") { _, m in m["activation"] = "relu" }
        try expectRejected("unknown architecture 'cnn'") { _, m in m["architecture"] = "cnn" }
        try expectRejected("do not match") { _, m in m["widths"] = [6, 4] }
        try expectRejected("do not match") { _, m in m["neighbourhoodSites"] = 13 }
        try expectRejected("input scale") { _, m in m["inputScale"] = -1 }
        try expectRejected("unknown lattice") { _, m in m["lattice"] = "cubic" }
        // Sizes that would need terabytes or overflow Int if the perceptron were built from the metadata first.
        try expectRejected("metadata width 4611686018427387904 is impossible") { _, m in m["widths"] = [1 << 62, 4] }
        try expectRejected("metadata width 1000000000000 is impossible") { _, m in
            m["neighbourhoodSites"] = 1_000_000_000_000
        }
        try expectRejected("metadata radius 1000000000.0 is impossible") { _, m in m["radius"] = 1e9 }
        try expectRejected("disagrees with the") { _, m in m["parameterCount"] = 1_000_000_000_000 }
    }

    @Test("Truncated and non-zip files are rejected, naming the file")
    func truncated() throws {
        let url = try temporaryModelURL()
        try model(widths: [8]).save(to: url)
        let data = try Data(contentsOf: url)
        try data.prefix(data.count / 2).write(to: url)
        #expect { try ForceModelFile.load(from: url) } throws: {
            ($0 as? ForceModelError)?.message.contains(url.path) == true
        }
        try Data("not a zip".utf8).write(to: url)
        #expect(throws: ForceModelError.self) { try ForceModelFile.load(from: url) }
        #expect(throws: ForceModelError.self) { try ForceModelFile.load(from: url.appendingPathExtension("missing")) }
    }
}
