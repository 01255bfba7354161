import ForceFieldInterface
import ForceFields
import HolsteinModel
import TestSupport
import Testing

/// The force-field implementations against the shared laws: whole-lattice equivariance (every D4
/// element × translations) and forces = −∇ potential.
@Suite("force fields: equivariance and gradients")
struct EquivarianceAndGradientTests {
    func configuration(_ L: Int, seed: UInt64) -> [Double] {
        var random = TestRandom(seed: seed)
        return random.field(L * L).map { 2 * $0 }
    }

    /// The force fields under test, each on a lattice it supports, with a seed for its configuration.
    static let fields: [(name: String, size: Int, seed: UInt64, make: @Sendable (Int) throws -> any ForceField)] = [
        ("cluster (fixed N: one μ for the whole lattice)", 8, 3, { try ClusterForceField(size: $0, radius: 2) }),
        (
            "harmonic", 6, 4,
            {
                try HarmonicForceField(
                    size: $0, parameters: HolsteinParameters(stiffness: 1.3, neighbourCoupling: -0.2))
            }
        ),
    ]

    @Test("every force field is D4- and translation-equivariant", arguments: fields.indices)
    func equivariance(index: Int) throws {
        let (name, L, seed, make) = Self.fields[index]
        let field = try make(L)
        let check = try checkForceEquivariance(
            of: { q, _ in try field.evaluate(q).forces },
            configuration: configuration(L, seed: seed), size: L, tolerance: .float64Exact)
        #expect(check.passes, "\(name): \(check)")
    }

    @Test("harmonic force is minus the gradient of the potential (central differences)")
    func harmonicGradient() throws {
        let L = 3
        let field = try HarmonicForceField(
            size: L, parameters: HolsteinParameters(stiffness: 1.3, neighbourCoupling: -0.2))
        let q = configuration(L, seed: 6)
        let forces = try field.evaluate(q).forces
        let check = try FiniteDifference.check(forces.map { -$0 }, at: q, indices: q.indices, tolerance: .quadratic) {
            try field.evaluate($0).scalars.potentialEnergy!
        }
        #expect(check.passes, "\(check)")
        // Negative control: the potential of a 1 % stiffer lattice is not the potential of these forces.
        let stiffer = try HarmonicForceField(
            size: L, parameters: HolsteinParameters(stiffness: 1.313, neighbourCoupling: -0.2))
        let wrong = try FiniteDifference.check(forces.map { -$0 }, at: q, indices: q.indices, tolerance: .quadratic) {
            try stiffer.evaluate($0).scalars.potentialEnergy!
        }
        #expect(!wrong.passes, "\(wrong)")
    }
}
