import ForceFieldInterface
import ForceFields
import HolsteinModel
import Testing
import TestSupport

/// The force-field implementations against the shared laws: whole-lattice equivariance (every D4
/// element × translations) and forces = −∇ potential.
@Suite("force fields: equivariance and gradients")
struct EquivarianceAndGradientTests {
    func configuration(_ L: Int, seed: UInt64) -> [Double] {
        var random = TestRandom(seed: seed)
        return random.field(L * L).map { 2 * $0 }
    }

    @Test("the cluster force field (fixed N: one μ for the whole lattice) is D4- and translation-equivariant")
    func clusterEquivariance() throws {
        let L = 8
        let field = try ClusterForceField(size: L, radius: 2)
        let check = try checkForceEquivariance(of: { q, _ in try field.evaluate(q).forces },
                                               configuration: configuration(L, seed: 3), size: L, tolerance: .float64Exact)
        #expect(check.passes, "\(check)")
    }

    @Test("the harmonic force field is D4- and translation-equivariant")
    func harmonicEquivariance() throws {
        let L = 6
        let field = try HarmonicForceField(size: L, parameters: HolsteinParameters(stiffness: 1.3, neighbourCoupling: -0.2))
        let check = try checkForceEquivariance(of: { q, _ in try field.evaluate(q).forces },
                                               configuration: configuration(L, seed: 4), size: L, tolerance: .float64Exact)
        #expect(check.passes, "\(check)")
    }

    @Test("harmonic force is minus the gradient of the potential (central differences)")
    func harmonicGradient() throws {
        let L = 3
        let field = try HarmonicForceField(size: L, parameters: HolsteinParameters(stiffness: 1.3, neighbourCoupling: -0.2))
        let q = configuration(L, seed: 6)
        let forces = try field.evaluate(q).forces
        let check = try FiniteDifference.check(forces.map { -$0 }, at: q, indices: q.indices, tolerance: .quadratic) {
            try field.evaluate($0).scalars.potentialEnergy!
        }
        #expect(check.passes, "\(check)")
        // Negative control: the potential of a 1 % stiffer lattice is not the potential of these forces.
        let stiffer = try HarmonicForceField(size: L, parameters: HolsteinParameters(stiffness: 1.313, neighbourCoupling: -0.2))
        let wrong = try FiniteDifference.check(forces.map { -$0 }, at: q, indices: q.indices, tolerance: .quadratic) {
            try stiffer.evaluate($0).scalars.potentialEnergy!
        }
        #expect(!wrong.passes, "\(wrong)")
    }
}
