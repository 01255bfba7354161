/// The LatticeFF release, in one place.

/// The LatticeFF version ("0.1.0"): `latticeff --version`, run parameters, model files.
public let latticeFFVersion = "0.1.0"

/// The `software` field of the files LatticeFF writes: "LatticeFF 0.1.0".
public let latticeFFSoftware = "LatticeFF \(latticeFFVersion)"
