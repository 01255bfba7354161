/// What one exact-diagonalization step of the Holstein model returns.

/// Scalar outputs of `HolsteinSolver.solve` (energies per lattice, not per site).
public struct HolsteinSummary: Sendable, Equatable {
    /// μ: found from N_e at fixed electron number, the given value at fixed chemical potential.
    public var chemicalPotential: Double
    /// N_e = Σ_i ⟨n_i⟩ (at fixed electron number N/2 up to the root tolerance ≤ 1e-10).
    public var electronCount: Double
    /// E_el = Σ_m ε_m f_m + (g/2) Σ_i Q_i, i.e. ⟨−t Σ c†c − g Σ (n_i − ½) Q_i⟩.
    public var electronicEnergy: Double
    /// (k0/2) Σ_i Q_i² + κ Σ_<ij> Q_i Q_j, each bond once (2N bonds; for L = 2 the doubled bonds count twice).
    public var elasticEnergy: Double
    /// Ω(Q) = −T Σ_m log(1 + e^{−(ε_m − μ)/T}) + (g/2) Σ_i Q_i + elastic energy.
    public var grandPotential: Double
    /// The potential whose negative gradient is the force: Ω at fixed μ, F = Ω + μ N_e at fixed N.
    public var freeEnergy: Double

    /// E_el + elastic energy (internal energy of electrons plus lattice).
    public var totalEnergy: Double { electronicEnergy + elasticEnergy }
}

/// Densities, forces and scalars of one solve (allocating convenience form).
public struct HolsteinResult: Sendable, Equatable {
    /// ⟨n_i⟩ = Σ_m |U_im|² f(ε_m − μ), site i = x + L·y.
    public var densities: [Double]
    /// F_i = −∂(free energy)/∂Q_i = g(⟨n_i⟩ − ½) − k0 Q_i − κ Σ_{j nn i} Q_j.
    public var forces: [Double]
    public var summary: HolsteinSummary

    public var chemicalPotential: Double { summary.chemicalPotential }
    public var electronCount: Double { summary.electronCount }
    public var electronicEnergy: Double { summary.electronicEnergy }
    public var elasticEnergy: Double { summary.elasticEnergy }
    public var grandPotential: Double { summary.grandPotential }
    public var freeEnergy: Double { summary.freeEnergy }
    public var totalEnergy: Double { summary.totalEnergy }
}
