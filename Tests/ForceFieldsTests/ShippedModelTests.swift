/// The shipped models give the forces they gave when they were trained: a regression guard for the
/// model-file reader, the network evaluation and the fixed-N search. The reference forces in
/// `Tests/Golden/forces/shipped-models.npz` were computed with `latticeff predict` at commit f11278b
/// (before the model stack was re-layered) on one 12×12 configuration: random (σ = 2) in the lower
/// half, a noisy checkerboard (amplitude 1.5, σ = 0.5) in the upper half — near-metallic sites and an
/// ordered domain, with domain walls between.

import ForceFieldInterface
import ForceFields
import Foundation
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
