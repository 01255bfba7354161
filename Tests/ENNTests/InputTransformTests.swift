import ENN
import ForceModels
import Foundation
import IO
import Lattice
import Symmetry
import TestSupport
import Testing

@Suite("input transform (pointwise map of Q before the features)")
struct InputTransformTests {
    @Test("parsing: identity, asinh:W; bad names and widths are refused")
    func parsing() throws {
        #expect(try InputTransform(parsing: "identity") == .identity)
        #expect(try InputTransform(parsing: "asinh:0.5") == .asinh(width: 0.5))
        #expect(try InputTransform(parsing: InputTransform.asinh(width: 0.25).description) == .asinh(width: 0.25))
        for bad in ["tanh:1", "asinh", "asinh:", "asinh:0", "asinh:-1", "asinh:inf", "asinh:nan", "asinh:1:2", ""] {
            #expect(throws: ForceModelError.self, "\(bad)") { _ = try InputTransform(parsing: bad) }
        }
        let phi = InputTransform.asinh(width: 0.5)
        #expect(abs(phi(1e-6) - 1e-6) < 1e-15)  // slope 1 at 0
        #expect(phi(-2) == -phi(2))  // odd
        #expect(abs(phi(100) - 0.5 * log(400)) < 1e-4)  // W ln(2Q/W) for Q ≫ W
    }

    @Test(
        "the network sees φ(Q): outputs equal those of the identity network on the transformed field, forces included")
    func pointwise() throws {
        let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 4, as: Double.self)
        var random = TestRandom(seed: 9)
        let q = random.field(2 * 36).map { 3 * $0 }
        let plain = try network.networkOutputs(configurations: q.map { 0.7 * asinh($0 / 0.7) }, count: 2, size: 6)
        network.inputTransform = .asinh(width: 0.7)
        let transformed = try network.networkOutputs(configurations: q, count: 2, size: 6)
        #expect(relativeDifference(transformed, plain) < 1e-12)
        #expect(relativeDifference(transformed, try network.forces(configurations: q, count: 2, size: 6)) < 1e-12)
        network.inputTransform = .identity
        // it matters
        #expect(relativeDifference(try network.networkOutputs(configurations: q, count: 2, size: 6), plain) > 1e-3)
    }

    @Test("exactly D4- and translation-equivariant with the transform (float64)")
    func equivariance() throws {
        let network = try randomNetwork(.reference(gate: .smooth), seed: 5, as: Double.self)
        network.inputTransform = .asinh(width: 0.5)
        var random = TestRandom(seed: 7)
        let q = random.field(64).map { 3 * $0 }
        try network.setInputScales(fromConfigurations: q, count: 1, size: 8)
        // Every D4 element, alone and with one translation along both axes (EquivarianceTests runs
        // the full translation set on the plain network).
        let check = try checkForceEquivariance(
            of: { q, L in try network.forces(configuration: q, size: L) }, configuration: q, size: 8,
            translations: [.zero, LatticeVector(-2, 3)], tolerance: .float64Network)
        #expect(check.passes, "\(check)")
    }

    @Test("input scales come from the transformed field; lossAndGradients is the MSE and its gradient")
    func scalesAndGradient() throws {
        let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 21, as: Double.self)
        var random = TestRandom(seed: 8)
        let q = (0..<50).map { _ in 4 * random.next() }, targets = (0..<50).map { _ in random.next() }
        try network.setInputScales(fromConfigurations: q.map { 0.5 * asinh($0 / 0.5) }, count: 2, size: 5)
        let expected = network.inputScales
        network.inputTransform = .asinh(width: 0.5)
        try network.setInputScales(fromConfigurations: q, count: 2, size: 5)
        #expect(relativeDifference(network.inputScales, expected) < 1e-12)
        let (loss, gradient) = try network.lossAndGradients(configurations: q, targets: targets, count: 2, size: 5)
        let forces = try network.forces(configurations: q, count: 2, size: 5)
        #expect(abs(loss - zip(forces, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 50) < 1e-12)
        let check = try FiniteDifference.check(
            gradient, parametersOf: network, \.parameters,
            indices: stride(from: 0, to: network.parameters.count, by: 41), tolerance: .float64Network
        ) {
            try network.lossAndGradients(configurations: q, targets: targets, count: 2, size: 5).loss
        }
        #expect(check.passes, "\(check)")
    }

    @Test("model file keeps the transform (absent key = identity); a bad transform in metadata is rejected")
    func roundTrip() throws {
        let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 3, as: Float.self)
        network.inputTransform = .asinh(width: 0.5)
        var random = TestRandom(seed: 2)
        let q = random.field(36).map { 2 * $0 }
        let url = try temporaryModelURL()
        try network.save(to: url)
        let back = try EquivariantNetwork<Float>.load(from: url)
        #expect(back.inputTransform == .asinh(width: 0.5))
        #expect(try back.forces(configuration: q, size: 6) == network.forces(configuration: q, size: 6))
        #expect(back.summaryLines.contains { $0.contains("asinh:0.5") })
        #expect(
            try back.copy(parameters: back.parameters).forces(configuration: q, size: 6)
                == back.forces(configuration: q, size: 6))
        var archive = try NPZArchive(contentsOf: url)
        var meta = try JSONSerialization.jsonObject(with: archive.extraFiles["metadata.json"]!) as! [String: Any]
        meta["inputTransform"] = "asinh:-2"
        archive.extraFiles["metadata.json"] = try JSONSerialization.data(withJSONObject: meta)
        try archive.write(to: url)
        #expect { try EquivariantNetwork<Float>.load(from: url) } throws: { "\($0)".contains("asinh:-2") }
        // An identity network writes no key.
        network.inputTransform = .identity
        #expect(!String(decoding: try network.metadataJSON(), as: UTF8.self).contains("inputTransform"))
    }
}
