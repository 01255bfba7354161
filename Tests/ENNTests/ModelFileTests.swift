import ENN
import ForceModels
import Foundation
import IO
import TestSupport
import Testing

@Suite("model file")
struct ModelFileTests {
    func model() throws -> EquivariantNetwork<Float> {
        let network = try randomNetwork(.reference(gate: .reference), seed: 31, as: Float.self)
        network.inputScales = [1.5, 0.5, 2, 3, 4]
        network.trainingSummary = TrainingSummary(epochs: 3, validationLoss: 0.25, notes: ["data": "x.npz"])
        return network
    }

    @Test("round trip: same weights, scales, gate, metadata; numpy reads every array and the checksum")
    func roundTrip() throws {
        let network = try model()
        let url = try temporaryModelURL()
        try network.save(to: url)
        let back = try EquivariantNetwork<Float>.load(from: url)
        #expect(back.parameters == network.parameters)
        #expect(back.inputScales == network.inputScales)
        #expect(back.configuration.gate == .reference && back.configuration.radius == network.configuration.radius)
        #expect(
            back.structure.layers.map(\.output.multiplicities) == network.structure.layers.map(\.output.multiplicities))
        #expect(back.trainingSummary == network.trainingSummary)
        #expect(back.holstein == network.holstein)
        #expect(back.weightsSHA256 == network.weightsSHA256)
        let (status, output) = try python(
            pythonModelFileChecks(url) + """
                assert sum(z[n].size for n in meta['parameterOrder']) == meta['parameterCount'] == 143135
                assert z['layer2.E.weight'].shape == (4128, 8) and z['layer2.E.weight'].dtype == numpy.float32
                print('ok', meta['gate'], meta['inputScales']['E'])
                """)
        #expect(status == 0 && output.contains("ok reference 4"), Comment(rawValue: output))
    }

    @Test("Swift reads a numpy-modified copy (with an updated checksum) and sees the change")
    func numpyModified() throws {
        let network = try model()
        let url = try temporaryModelURL(),
            modified = url.deletingLastPathComponent().appendingPathComponent("modified.npz")
        try network.save(to: url)
        let (status, output) = try python(
            """
            import numpy, json, hashlib, zipfile
            z = numpy.load('\(url.path)')
            meta = json.loads(zipfile.ZipFile('\(url.path)').read('metadata.json'))
            arrays = {n: z[n] for n in meta['parameterOrder']}
            arrays['layer4.A1.bias'] = numpy.array([0.75], dtype=numpy.float32)
            meta['weightsSHA256'] = hashlib.sha256(b''.join(numpy.ascontiguousarray(arrays[n], dtype='<f4').tobytes() \
            for n in meta['parameterOrder'])).hexdigest()
            numpy.savez_compressed('\(modified.path)', **arrays)
            with zipfile.ZipFile('\(modified.path)', 'a') as f: f.writestr('metadata.json', json.dumps(meta))
            print('written')
            """)
        #expect(status == 0, Comment(rawValue: output))
        let back = try EquivariantNetwork<Float>.load(from: modified)
        let bias = back.structure.block(named: "layer4.A1.bias")!
        #expect(back.parameters[bias.offset] == 0.75)
    }

    /// Archive of a saved model with `edit` applied, then loaded: must throw an error containing `expected`.
    func expectRejected(_ expected: String, _ edit: (inout NPZArchive, inout [String: Any]) throws -> Void) throws {
        let network = try model()
        var archive = try network.modelArchive()
        var meta = try #require(
            try JSONSerialization.jsonObject(with: archive.extraFiles["metadata.json"]!) as? [String: Any])
        try edit(&archive, &meta)
        if !meta.isEmpty { archive.extraFiles["metadata.json"] = try JSONSerialization.data(withJSONObject: meta) }
        do {
            _ = try EquivariantNetwork<Float>.load(archive: archive, path: "m.npz")
            Issue.record("accepted a bad model file (\(expected))")
        } catch let error as ForceModelError {
            #expect(
                error.message.contains(expected) && error.message.contains("m.npz"), Comment(rawValue: error.message))
            #expect(!error.message.contains("\n"))
        }
    }

    @Test("corrupt or mismatched model files are rejected with a clear error")
    func rejected() throws {
        try expectRejected("SHA-256") { a, _ in
            var w = try a.array("layer1.A1.weight").floats()
            w[0] += 1
            a.arrays["layer1.A1.weight"] = try NumPyArray(w, shape: [128, 32])
        }
        try expectRejected("missing weight array 'layer3.E.bias'") { a, _ in a.arrays["layer3.E.bias"] = nil }
        try expectRejected("parameterCount 143135 disagrees with the 142871 weights") { a, _ in
            a.arrays["layer1.E.weight"] = try NumPyArray([Float](repeating: 0, count: 264 * 31), shape: [264, 31])
        }
        try expectRejected("shape") { a, _ in
            a.arrays["layer1.E.weight"] = try NumPyArray([Float](repeating: 0, count: 264 * 32), shape: [32, 264])
        }
        try expectRejected("dtype") { a, _ in
            a.arrays["layer4.A1.bias"] = NumPyArray([0.0])
        }
        try expectRejected("unexpected array 'extra'") { a, _ in a.arrays["extra"] = NumPyArray([Float(1)]) }
        try expectRejected("no metadata.json") { a, m in
            a.extraFiles = [:]
            m = [:]
        }
        try expectRejected("format version 2") { _, m in m["formatVersion"] = 2 }
        try expectRejected("missing key 'gate'") { _, m in m["gate"] = nil }
        try expectRejected("do not match") { _, m in
            m["hiddenWidths"] = [[32, 32, 32, 32, 32], [8, 8, 8, 8, 8], [4, 4, 4, 4, 3]]
        }
        try expectRejected("input scale for E") { _, m in
            m["inputScales"] = ["A1": 1, "A2": 1, "B1": 1, "B2": 1, "E": -1]
        }
        try expectRejected("unknown point group") { _, m in m["group"] = "Oh" }
    }

    @Test("metadata claiming sizes its arrays do not hold is refused before anything is built from it")
    func hostileMetadata() throws {
        // Widths, counts and radii that would need terabytes (or overflow Int) if the network were built first.
        try expectRejected("metadata width 1000000000000 is impossible for a model of 143135 weights") { _, m in
            m["hiddenWidths"] = [[1_000_000_000_000, 32, 32, 32, 32], [8, 8, 8, 8, 8], [4, 4, 4, 4, 4]]
        }
        try expectRejected("metadata width -3 is impossible") { _, m in
            m["hiddenWidths"] = [[-3, 32, 32, 32, 32], [8, 8, 8, 8, 8], [4, 4, 4, 4, 4]]
        }
        try expectRejected("parameterCount 9223372036854775807 disagrees with the 143135 weights") { _, m in
            m["parameterCount"] = Int.max
        }
        try expectRejected("metadata radius 1000000.0 is impossible") { _, m in m["radius"] = 1e6 }
        try expectRejected("parameterOrder lists a name twice") { _, m in
            m["parameterOrder"] = (m["parameterOrder"] as! [String]) + ["layer1.E.bias"]
        }
    }

    @Test("truncated and non-zip files are rejected")
    func truncated() throws {
        let url = try temporaryModelURL()
        try model().save(to: url)
        let data = try Data(contentsOf: url)
        try data.prefix(data.count / 2).write(to: url)
        #expect { try EquivariantNetwork<Float>.load(from: url) } throws: {
            ($0 as? ForceModelError)?.message.contains(url.path) == true
        }
        try Data("not a zip".utf8).write(to: url)
        #expect(throws: ForceModelError.self) { try EquivariantNetwork<Float>.load(from: url) }
        #expect(throws: ForceModelError.self) {
            try EquivariantNetwork<Float>.load(from: url.appendingPathExtension("missing"))
        }
    }

    @Test("SHA-256 matches known vectors")
    func sha() {
        #expect(SHA256Hasher.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256Hasher.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256Hasher.hex(Data(repeating: 0x61, count: 1000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
