/// Parameters of the semiclassical (Q classical) spinless Holstein model on the square lattice
///
///     H = −t Σ_<ij> (c†_i c_j + h.c.) − g Σ_i (n_i − ½) Q_i + (k0/2) Σ_i Q_i² + κ Σ_<ij> Q_i Q_j
///
/// in units t = 1, k_B = 1 (the hopping may still be set to another value).

/// A failure of the electronic solver: bad parameters, a bad configuration or a bad lattice size.
public struct ElectronicError: Error, CustomStringConvertible, Equatable, Sendable {
    /// One-line, human-readable reason.
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ElectronicError {
    /// The largest |g·Q_i| (site energy) a configuration may have. Exact diagonalization and the cluster
    /// solvers are accurate to about ε·max|g·Q| in absolute terms (ε = 2.2e-16), so at 1e8 the O(t)
    /// electronic structure is still resolved to ~1e-8; beyond it rounding swamps it (measured: one site
    /// at Q = 1e14 moved the ED forces of sites two bonds away by 0.15, at 1e20 by 3). In an ordered
    /// checkerboard |Q| = g/(2(k0 − 4κ)), so |g·Q| ≈ 22 at the paper's parameters.
    public static let largestSiteEnergy = 1e8

    /// Whether Q_i = `q` is finite with a site energy |g·q| ≤ `limit`.
    @inline(__always)
    public static func accepts(_ q: Double, coupling g: Double, limit: Double = largestSiteEnergy) -> Bool {
        q.isFinite && (g * q).magnitude <= limit
    }

    /// The site energy −g·q of lattice site `site`; throws unless `accepts(q)`. Cost: a multiply and
    /// two compares.
    @inline(__always)
    public static func siteEnergy(
        _ q: Double, site: Int, coupling g: Double, limit: Double = largestSiteEnergy
    ) throws -> Double {
        guard accepts(q, coupling: g, limit: limit) else { throw refused(q, site: site, coupling: g, limit: limit) }
        return -g * q
    }

    /// Throws `refused` for the first entry of `q` that `accepts` does not take.
    public static func checkSiteEnergies(_ q: some Collection<Double>, coupling g: Double) throws {
        for (site, value) in q.enumerated() where !accepts(value, coupling: g) {
            throw refused(value, site: site, coupling: g, limit: largestSiteEnergy)
        }
    }

    /// The error for a Q_i = `q` at `site` that `accepts` does not take.
    public static func refused(_ q: Double, site: Int, coupling g: Double, limit: Double) -> ElectronicError {
        if !q.isFinite { return ElectronicError("configuration value Q[\(site)] = \(q) is not finite") }
        return ElectronicError(
            String(
                format:
                    "site energy −g·Q[%d] = %.3g (Q = %.3g) is beyond ±%.0e, where rounding swamps the electronic structure",
                site, -g * q, q, limit))
    }
}

/// How the electron number is fixed.
public enum Filling: Codable, Sendable, Equatable {
    /// Canonical: N_e = N/2 (half filling); μ is found from the spectrum at every step.
    case fixedElectronNumber
    /// Grand canonical at the given chemical potential μ; N_e = Σ_i ⟨n_i⟩ is an output.
    case fixedChemicalPotential(Double)

    /// Whether the filling is particle–hole symmetric: N_e = N/2, or μ = 0 (the point the map
    /// Q → −Q, n → 1 − n leaves unchanged).
    public var isParticleHoleSymmetric: Bool {
        switch self {
        case .fixedElectronNumber: true
        case .fixedChemicalPotential(let mu): mu == 0
        }
    }
}

/// Couplings, temperature and filling of the Holstein model.
public struct HolsteinParameters: Codable, Sendable, Equatable {
    /// Nearest-neighbour hopping t.
    public var hopping: Double
    /// Electron–phonon coupling g.
    public var coupling: Double
    /// On-site lattice stiffness k0.
    public var stiffness: Double
    /// Nearest-neighbour elastic coupling κ.
    public var neighbourCoupling: Double
    /// Temperature T (k_B = 1); T = 0 gives sharp occupations.
    public var temperature: Double
    /// Fixed electron number (half filling) or fixed chemical potential.
    public var filling: Filling

    public init(
        hopping: Double = 1, coupling: Double = 3.5, stiffness: Double = 1,
        neighbourCoupling: Double = 0.18, temperature: Double = 0.1,
        filling: Filling = .fixedElectronNumber
    ) {
        self.hopping = hopping
        self.coupling = coupling
        self.stiffness = stiffness
        self.neighbourCoupling = neighbourCoupling
        self.temperature = temperature
        self.filling = filling
    }

    /// One line for messages and `model info`: "t=1.0 g=3.5 k0=1.0 κ=0.18 T=0.1 fixed-n" (or
    /// "fixed-mu μ=0.2"), the filling in `--filling`'s words.
    public var summary: String {
        let fillingText: String
        switch filling {
        case .fixedElectronNumber: fillingText = "fixed-n"
        case .fixedChemicalPotential(let mu): fillingText = "fixed-mu μ=\(mu)"
        }
        return "t=\(hopping) g=\(coupling) k0=\(stiffness) κ=\(neighbourCoupling) T=\(temperature) \(fillingText)"
    }

    /// Throws `ElectronicError` unless every parameter is finite and T ≥ 0.
    public func validate() throws {
        let named: [(String, Double)] = [
            ("hopping", hopping), ("coupling", coupling), ("stiffness", stiffness),
            ("neighbourCoupling", neighbourCoupling), ("temperature", temperature),
        ]
        for (name, value) in named where !value.isFinite {
            throw ElectronicError("parameter \(name) must be finite, got \(value)")
        }
        if temperature < 0 { throw ElectronicError("temperature must be >= 0, got \(temperature)") }
        if case .fixedChemicalPotential(let mu) = filling, !mu.isFinite {
            throw ElectronicError("chemical potential must be finite, got \(mu)")
        }
    }
}
