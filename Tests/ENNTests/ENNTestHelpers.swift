/// Helpers of the ENN tests: small configurations, random fields, D4 transforms of whole fields.

import ENN
import ForceModels
import Foundation
import IO
import Lattice
import Symmetry
import TestSupport

/// A small network (every IR present, same-IR pairs possible) for fast gradient checks.
func smallConfiguration(
    gate: GateKind, group: String = "D4", lattice: String = "square", radius: Double = 2.0.squareRoot()
) -> NetworkConfiguration {
    NetworkConfiguration(lattice: lattice, group: group, radius: radius, hiddenWidths: [[3], [2]], gate: gate)
}

/// Random raw features for `sites` sites.
func randomFeatures<T: ModelScalar>(
    _ network: EquivariantNetwork<T>, sites: Int, seed: UInt64, amplitude: Double = 1
) -> [T] {
    var random = TestRandom(seed: seed)
    return (0..<(sites * network.featureCount)).map { _ in T(amplitude * random.next()) }
}

/// Random network with non-trivial biases (so that gates are not at their symmetric points).
func randomNetwork<T: ModelScalar>(
    _ configuration: NetworkConfiguration, seed: UInt64, as _: T.Type = T.self
) throws -> EquivariantNetwork<T> {
    let network = try EquivariantNetwork<T>(configuration: configuration, seed: seed)
    var random = TestRandom(seed: seed &+ 99)
    for block in network.structure.parameterBlocks where block.isBias {
        for i in 0..<block.count { network.parameters[block.offset + i] = T(0.5 * random.next()) }
    }
    return network
}

/// Writes `original` to `url` with `metadata.json` key `key` set to `value` (removed when nil), and
/// returns the error message of loading it as an ENN model (nil when it loads).
func loadErrorWithMetadata(_ original: NPZArchive, at url: URL, key: String, value: Any?) throws -> String? {
    var archive = original
    var meta = try JSONSerialization.jsonObject(with: archive.extraFiles["metadata.json"]!) as! [String: Any]
    meta[key] = value
    archive.extraFiles["metadata.json"] = try JSONSerialization.data(withJSONObject: meta)
    try archive.write(to: url)
    do {
        _ = try EquivariantNetwork<Float>.load(from: url)
        return nil
    } catch { return "\(error)" }
}
