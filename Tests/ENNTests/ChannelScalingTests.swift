import ENN
import ForceModels
import Foundation
import IO
import Lattice
import Symmetry
import TestSupport
import Testing

@Suite("per-channel RMS input scaling")
struct ChannelScalingTests {
    /// Network with channel-RMS scales set from one random 8×8 configuration.
    func scaledNetwork() throws -> (EquivariantNetwork<Double>, [Double]) {
        let network = try randomNetwork(.reference(gate: .smooth), seed: 5, as: Double.self)
        var random = TestRandom(seed: 7)
        let q = random.field(64).map { 3 * $0 }
        try network.setInputScales(fromConfigurations: q, count: 1, size: 8, method: .channelRMS)
        return (network, q)
    }

    @Test("every scaled input channel has unit RMS multiplet norm; IR scales are 1")
    func unitRMS() throws {
        let (network, q) = try scaledNetwork()
        #expect(network.inputScalingMethod == .channelRMS)
        #expect(network.inputScales.allSatisfy { $0 == 1 })
        let layout = network.featurizer.layout
        let channels = try #require(network.channelScales)
        #expect(channels.count == layout.multiplicities.reduce(0, +))
        let lattice = try PeriodicLattice(geometry: .square, size: 8)
        let features: [Double] = try network.featurizer.features(of: q, on: lattice, threads: 1)
        var c = 0
        for k in layout.labels.indices {
            for r in 0..<layout.multiplicities[k] {
                var sum = 0.0
                for site in 0..<64 {
                    for a in 0..<layout.dimensions[k] {
                        let v =
                            features[site * layout.size + layout.index(ir: k, component: a, channel: r)]
                            / channels[c + r]
                        sum += v * v
                    }
                }
                // Channels that vanish identically keep scale 1 (and RMS 0).
                let rms = (sum / 64).squareRoot()
                #expect(
                    abs(rms - 1) < 1e-12 || (rms == 0 && channels[c + r] == 1),
                    "channel \(layout.labels[k])[\(r)]: RMS \(rms)")
            }
            c += layout.multiplicities[k]
        }
        // Switching back to the IR maximum clears the channel scales.
        try network.setInputScales(fromConfigurations: q, count: 1, size: 8, method: .irMaximum)
        #expect(network.channelScales == nil && network.inputScalingMethod == .irMaximum)
    }

    @Test("channel scales keep the network exactly D4- and translation-equivariant (float64)")
    func equivariance() throws {
        let (network, q) = try scaledNetwork()
        let lattice = try PeriodicLattice(geometry: .square, size: 8)
        let check = try checkForceEquivariance(
            of: { q, L in try network.forces(configuration: q, size: L) }, configuration: q, size: 8,
            translations: [.zero, LatticeVector(-2, 3)], tolerance: .float64Network)
        #expect(check.passes, "\(check)")
        // The scales are a group invariant of the data: a rotated configuration gives the same ones.
        let before = network.channelScales!
        try network.setInputScales(
            fromConfigurations: lattice.transform(q, by: network.structure.theory.group.elements[1]),
            count: 1, size: 8, method: .channelRMS)
        #expect(relativeDifference(network.channelScales!, before) < 1e-12)
    }

    @Test("model file keeps the channel scales; a wrong count is rejected")
    func roundTrip() throws {
        let (double, q) = try scaledNetwork()
        let network = double.converted(to: Float.self)
        let url = try temporaryModelURL()
        try network.save(to: url)
        let back = try EquivariantNetwork<Float>.load(from: url)
        #expect(back.channelScales == network.channelScales)
        #expect(try back.forces(configuration: q, size: 8) == network.forces(configuration: q, size: 8))
        // Tamper: drop one channel scale from the metadata.
        var archive = try NPZArchive(contentsOf: url)
        var meta = try JSONSerialization.jsonObject(with: archive.extraFiles["metadata.json"]!) as! [String: Any]
        meta["inputChannelScales"] = Array((meta["inputChannelScales"] as! [Double]).dropLast())
        archive.extraFiles["metadata.json"] = try JSONSerialization.data(withJSONObject: meta)
        try archive.write(to: url)
        #expect(throws: ForceModelError.self) { _ = try EquivariantNetwork<Float>.load(from: url) }
    }
}
