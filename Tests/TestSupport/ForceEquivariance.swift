/// The whole-lattice force-equivariance check shared by every force model's tests (ED, cluster ED,
/// harmonic, ENN; the MLP as the negative control): F(g·Q + t) = g·F(Q) + t, site by site, for every
/// element g of a point group (taken from `Symmetry`, never hand-written) and several translations t.

import Lattice
import Symmetry

/// How far a moved force field may deviate from the moved forces, relative to the largest force
/// |F(Q)|. Each size says which arithmetic the model does and why it cannot do better.
public struct EquivarianceTolerance: Sendable, CustomStringConvertible {
    public let relative: Double
    public let name: String

    public init(relative: Double, name: String) {
        self.relative = relative
        self.name = name
    }

    /// Exact diagonalization (full and local-cluster ED) and the harmonic lattice in float64: the
    /// moved Hamiltonian is a permuted matrix, so LAPACK/Lanczos meet it in a different order; the
    /// eigenvalues agree to ~N·ε·‖H‖ (≈ 1e-13 for N ≤ 100 sites) and a force sums N such terms.
    /// 1e-11 keeps two orders of margin; a wrong site map or sign gives O(1).
    public static let float64Exact = EquivarianceTolerance(relative: 1e-11, name: "float64Exact")

    /// A network (ENN, MLP) in float64: the moved input only reorders the same sums (neighbour
    /// order, chunks, threads), so the forces differ by a few ε times the number of terms (≲ 1e3).
    public static let float64Network = EquivarianceTolerance(relative: 1e-12, name: "float64Network")

    /// A network in float32: ε ≈ 1.2e-7 and the reordered sums run over ~10²–10³ terms, so ~1e-6
    /// relative is the rounding floor; 1e-5 leaves a factor 10, still far below a symmetry error.
    public static let float32Network = EquivarianceTolerance(relative: 1e-5, name: "float32Network")

    /// A float64 model that fixes the electron number by searching one shift μ (the grand-canonical
    /// readout's projection): the search starts from the mean force, a sum over all sites whose order
    /// a move changes, and its secant steps amplify that rounding; 1e-10 bounds it (the search
    /// tolerance itself is the same for both configurations, so it does not enter).
    public static let float64FixedElectronNumber = EquivarianceTolerance(
        relative: 1e-10, name: "float64FixedElectronNumber")

    public var description: String { "\(name) (\(relative))" }
}

/// The outcome of one whole-lattice equivariance check: worst relative deviations, split into the
/// pure translations and the moves with a non-trivial point operation, and where they occurred.
public struct EquivarianceCheck: CustomStringConvertible, Sendable {
    public let tolerance: EquivarianceTolerance
    /// Number of (g, t) moves applied, the identity move excluded.
    public let moves: Int
    /// max over t ≠ 0 of max_i |F(Q + t)_{i+t} − F(Q)_i| / max|F(Q)|.
    public let worstTranslation: Double
    /// max over g ≠ e (and every t) of max_i |F(g·Q + t)_{g·i+t} − F(Q)_i| / max|F(Q)|.
    public let worstPointOperation: Double
    /// The move (point operation matrix and translation) and site of the overall worst deviation.
    public let worstMove: String
    /// Moves (g, t) ≠ (e, 0) that leave the configuration unchanged: such a move tests nothing, so a
    /// check with any of them does not pass.
    public let vacuousMoves: Int

    public var worst: Double { max(worstTranslation, worstPointOperation) }
    /// Translation equivariance within the tolerance (on a configuration no translation fixes).
    public var translationEquivariant: Bool { worstTranslation <= tolerance.relative && vacuousMoves == 0 }
    /// Point-group equivariance within the tolerance (on a configuration no operation fixes).
    public var pointGroupEquivariant: Bool { worstPointOperation <= tolerance.relative && vacuousMoves == 0 }
    /// Both.
    public var passes: Bool { translationEquivariant && pointGroupEquivariant }

    public var description: String {
        "equivariance over \(moves) moves, tolerance \(tolerance): worst translation \(worstTranslation), "
            + "worst point operation \(worstPointOperation) at \(worstMove)"
            + (vacuousMoves > 0 ? ", \(vacuousMoves) moves leave the configuration unchanged" : "")
    }
}

/// Translations applied by default: none, one site along each lattice vector, and a longer move with
/// components of both signs (L ≥ 4 keeps every one non-trivial).
public let equivarianceTranslations = [
    LatticeVector(0, 0), LatticeVector(1, 0), LatticeVector(0, 1), LatticeVector(-2, 3),
]

/// The point group of a lattice, built by `Symmetry` (D4 on the square lattice by default).
public func pointGroup(_ name: String = "D4", on geometry: LatticeGeometry = .square) -> PointGroup {
    do { return try PointGroup.named(name, on: geometry) } catch { fatalError("point group \(name): \(error)") }
}

/// Checks that `forces` commutes with every element of `group` (about site 0) combined with every
/// translation: for each (g, t), F(g·Q + t) at site g·r + t must equal F(Q) at site r. `configuration`
/// is Q on the L×L lattice of the group's geometry; `forces(Q, L)` is the model.
public func checkForceEquivariance<Scalar: BinaryFloatingPoint>(
    of forces: ([Scalar], Int) throws -> [Scalar], configuration: [Scalar], size: Int,
    group: PointGroup = pointGroup(), translations: [LatticeVector] = equivarianceTranslations,
    tolerance: EquivarianceTolerance
) throws -> EquivarianceCheck {
    let lattice = try PeriodicLattice(geometry: group.geometry, size: size)
    let reference = try forces(configuration, size)
    precondition(
        reference.count == lattice.siteCount,
        "the model returned \(reference.count) forces for \(lattice.siteCount) sites")
    let largest = reference.map { abs(Double($0)) }.max() ?? 0
    let scale = largest > 0 ? largest : 1
    var worstTranslation = 0.0, worstPoint = 0.0, worstMove = "none", worstOverall = -1.0
    var moves = 0, vacuous = 0
    for g in group.elements {
        for t in translations where !(g == .identity && t == .zero) {
            let movedConfiguration = lattice.transform(configuration, by: g, translation: t)
            if movedConfiguration == configuration { vacuous += 1 }
            let moved = try forces(movedConfiguration, size)
            precondition(moved.count == lattice.siteCount, "the model returned \(moved.count) forces")
            var deviation = 0.0, site = 0
            for i in 0..<lattice.siteCount {
                let image = lattice.site(g.apply(lattice.position(i)) + t)
                let d = abs(Double(moved[image]) - Double(reference[i])) / scale
                if !(d <= deviation) {
                    deviation = d.isNaN ? .infinity : d
                    site = i
                }  // NaN counts as failure
            }
            if g == .identity {
                worstTranslation = max(worstTranslation, deviation)
            } else {
                worstPoint = max(worstPoint, deviation)
            }
            if deviation > worstOverall {
                worstOverall = deviation
                worstMove = "g = (\(g.a) \(g.b); \(g.c) \(g.d)), t = \(t), site \(site)"
            }
            moves += 1
        }
    }
    return EquivarianceCheck(
        tolerance: tolerance, moves: moves, worstTranslation: worstTranslation,
        worstPointOperation: worstPoint, worstMove: worstMove, vacuousMoves: vacuous)
}
