/// The shipped models give the forces they gave when they were trained: a regression guard for the
/// model-file reader, the network evaluation and the fixed-N search. The reference forces in
/// `Tests/Golden/forces/shipped-models.npz` were computed with `latticeff predict` at commit f11278b
/// (before the model stack was re-layered) on one 12×12 configuration: random (σ = 2) in the lower
/// half, a noisy checkerboard (amplitude 1.5, σ = 0.5) in the upper half — near-metallic sites and an
/// ordered domain, with domain walls between.

import ForceFieldInterface
import ForceFields
import Foundation
import HolsteinModel
import IO
import Testing

private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Suite("Shipped models: forces unchanged")
struct ShippedModelTests {
    /// Allowed deviation from the reference forces (|F| ≲ 4): the network runs in float32, whose rounding
    /// (a unit in the last place is 4.8e-7 at |F| = 4) is the only change allowed since the reference was
    /// computed — the row tails of the feature kernel have since used fused multiply-adds, as its SIMD steps
    /// always did, so that a site's bits do not depend on its chunk (measured: 1.1e-8 default, 8.0e-7 plain,
    /// 2.4e-7 electronic). A real change of a model's evaluation moves forces by far more (model errors ≈ 1e-2).
    static let tolerance = 2e-6

    @Test(
        "Every shipped model gives the reference forces to float32 rounding (12×12, random and ordered halves)",
        arguments: [
            ("holstein-square-d4", "default"), ("holstein-square-d4-asinh025-cos", "plain"),
            ("holstein-square-d4-electronic", "electronic"),
        ])
    func referenceForces(model: String, key: String) throws {
        let reference = try NPZArchive(
            contentsOf: repositoryRoot.appendingPathComponent("Tests/Golden/forces/shipped-models.npz"))
        let q = try reference.values("q", as: Double.self, shape: [1, 12, 12])
        let expected = try reference.values(key, as: Double.self, shape: [1, 12, 12])
        let field = try NetworkForceField(
            modelFile: repositoryRoot.appendingPathComponent("models/\(model).npz"), size: 12)
        field.shiftSearch = .exact  // the reference was computed with the root search for μ
        let forces = try field.evaluate(q).forces
        let worst = zip(forces, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= Self.tolerance, "\(model): largest deviation \(worst)")
    }
}

@Suite("Site energies beyond ±1e8 are refused where a configuration enters a force field")
struct SiteEnergyRangeTests {
    @Test(
        "ED, the cluster force field and every shipped model refuse |g·Q| > 1e8 with one error naming the site; 0.9e8 is evaluated",
        arguments: [
            "ed", "cluster", "holstein-square-d4", "holstein-square-d4-asinh025-cos", "holstein-square-d4-electronic",
        ])
    func refused(name: String) throws {
        let L = 8
        let field: any ForceField =
            switch name {
            case "ed": try EDForceField(size: L)
            case "cluster": try ClusterForceField(size: L, radius: 5.0.squareRoot())
            default:
                try NetworkForceField(modelFile: repositoryRoot.appendingPathComponent("models/\(name).npz"), size: L)
            }
        let g = field.holsteinParameters.coupling
        var q = (0..<(L * L)).map { Double(($0 * 7919) % 13) / 4 - 1.5 }
        q[19] = 0.9 * ElectronicError.largestSiteEnergy / g
        #expect(try field.evaluate(q).forces.allSatisfy(\.isFinite))
        q[19] = -1.1 * ElectronicError.largestSiteEnergy / g
        do {
            _ = try field.evaluate(q)
            Issue.record("\(name) accepted a site energy beyond 1e8")
        } catch {
            #expect("\(error)".contains("Q[19]") && "\(error)".contains("beyond ±1e+08"), "\(error)")
        }
    }
}
