/// What a trained model's per-site output represents and how its input is normalised: choices
/// every architecture shares (they are keys of every model file).

/// What a model's per-site output represents.
public enum ForceReadout: String, Codable, Sendable, CaseIterable {
    /// The total force F_i (the reference model).
    case total
    /// The electronic force g(⟨n_i⟩ − ½) only; the exact elastic force −k0 Q_i − κ Σ_nn Q_j (a linear
    /// function of Q with the model's Holstein parameters) is added analytically. The network then
    /// learns a bounded, purely electronic quantity. Square lattice only.
    case electronic
    /// The electronic force at μ = 0, G_i = g(⟨n_i⟩_{μ=0} − ½), a local function; fixed-N forces
    /// solve for the uniform shift (the chemical potential) that restores Σ_i ⟨n_i⟩ = N/2
    /// (`grandCanonicalElectronicForces`), and the exact elastic force is added. Trained on
    /// configurations shifted by their ED μ/g. Square lattice only.
    case grandCanonical = "grand-canonical"

    /// Whether the exact elastic force is added to the network's output.
    public var addsElasticForce: Bool { self != .total }
}

/// How the input features are normalised before the first layer.
public enum InputScalingMethod: String, Codable, Sendable, CaseIterable {
    /// One scale per IR type: the largest |x| (1-d IRs) or multiplet norm |v| over all training
    /// sites and all channels of that IR (the original scheme). A channel with small values
    /// (e.g. the centre site next to 8-site shell sums) is compressed by the largest one.
    case irMaximum = "ir-max"
    /// One scale per channel (multiplet): the root-mean-square multiplet norm over the training
    /// sites, so every input channel has unit RMS. Still equivariant (a multiplet is scaled as a whole).
    case channelRMS = "channel-rms"
}
