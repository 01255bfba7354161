// swift-tools-version:6.0
// LatticeFF — equivariant machine-learning force fields for lattice models.
// The target list reads as the pipeline; every target imports only targets listed above it
// (Tests/PackageLayoutTests checks it): numerics and I/O leaves → symmetry and lattice → the
// model's parameters → electronic structure (ED) → the force-field interface → dynamics →
// features → trained-model infrastructure → ENN and MLP → force-field implementations → data
// sets, generation, training → analysis and figures → benchmarks → the CLI.

import Foundation
import PackageDescription

// Hot code needs an FMA-capable CPU target: the default x86_64 target has no FMA and turns every
// SIMD multiply-add into a libm call (see docs/PERFORMANCE.md). `haswell` (AVX2 + FMA) runs on every
// x86_64 CPU since 2013; set LATTICEFF_TARGET_CPU=native (or znver4, skylake-avx512) to go further.
let targetCPU = ProcessInfo.processInfo.environment["LATTICEFF_TARGET_CPU"] ?? "haswell"
#if arch(x86_64)
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", targetCPU])]
#else
let cpuFlags: [SwiftSetting] = []
#endif
let hotCode: [SwiftSetting] =
    cpuFlags + [
        .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
    ]

let package = Package(
    name: "LatticeFF",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "latticeff", targets: ["LatticeFFCLI"]),
        .library(
            name: "LatticeFF",
            targets: [
                "LinearAlgebra", "RandomNumbers", "IO", "Parallel", "Symmetry", "Lattice", "HolsteinModel",
                "Electronic",
                "ForceFieldInterface", "Dynamics",
                "Features", "ForceModels", "ENN", "Baselines", "ForceFields", "Datasets", "DataGeneration", "Training",
                "Plotting", "Analysis",
            ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        // MARK: system libraries (C): OpenBLAS + LAPACKE, FFTW
        .systemLibrary(
            name: "CLAPACK", path: "Sources/CLAPACK", providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),

        // MARK: leaves — no physics (BLAS/LAPACK facade, seeded generators, NumPy files and hashing)
        .target(name: "LinearAlgebra", dependencies: ["CLAPACK", "CFFTW"], swiftSettings: hotCode),
        .target(name: "RandomNumbers", swiftSettings: hotCode),
        .target(name: "IO", dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        // Open MPI facade: the job's ranks and collectives, a singleton without a launcher (docs/PARALLEL.md)
        .target(name: "Parallel", dependencies: ["CMPI"]),

        // MARK: geometry and symmetry (point groups, IRs, projection bases, Clebsch–Gordan; lattices)
        .target(name: "Symmetry", dependencies: ["LinearAlgebra"], swiftSettings: cpuFlags),
        .target(name: "Lattice", dependencies: ["Symmetry"], swiftSettings: cpuFlags),

        // MARK: the model: Holstein parameters, filling, the elastic (lattice) energy and force
        .target(name: "HolsteinModel"),

        // MARK: electronic structure — the ground truth (Holstein ED, local-cluster ED)
        .target(name: "Electronic", dependencies: ["HolsteinModel", "LinearAlgebra", "IO"], swiftSettings: hotCode),

        // MARK: the force-field interface: the protocol and its value types, nothing heavier
        .target(name: "ForceFieldInterface", dependencies: ["HolsteinModel"]),

        // MARK: Langevin dynamics driven by any ForceField (runs, checkpoints, ensembles)
        .target(
            name: "Dynamics",
            dependencies: ["ForceFieldInterface", "HolsteinModel", "IO", "RandomNumbers", "LinearAlgebra"],
            swiftSettings: hotCode),

        // MARK: configuration → per-site IR coefficients
        .target(name: "Features", dependencies: ["Symmetry", "Lattice", "LinearAlgebra"], swiftSettings: hotCode),

        // MARK: what every trained model shares (protocol, readouts, cluster baseline, force assembly)
        .target(
            name: "ForceModels",
            dependencies: ["Electronic", "ForceFieldInterface", "HolsteinModel", "IO", "LinearAlgebra"],
            swiftSettings: hotCode),

        // MARK: the two architectures, peers on ForceModels: equivariant network and plain MLP
        .target(
            name: "ENN",
            dependencies: [
                "ForceModels", "Symmetry", "Lattice", "Features", "LinearAlgebra", "IO", "Electronic", "HolsteinModel",
                "RandomNumbers",
            ],
            swiftSettings: hotCode),
        .target(
            name: "Baselines",
            dependencies: [
                "ForceModels", "Lattice", "Symmetry", "Features", "LinearAlgebra", "IO", "Electronic", "HolsteinModel",
                "RandomNumbers",
            ],
            swiftSettings: hotCode),

        // MARK: force-field implementations (ED, cluster ED, harmonic, trained models) and the model-file loader
        .target(
            name: "ForceFields",
            dependencies: [
                "ForceFieldInterface", "Electronic", "HolsteinModel", "ForceModels", "ENN", "Baselines", "IO",
                "LinearAlgebra",
            ],
            swiftSettings: hotCode),

        // MARK: ED training data (files, splits, error metrics), its generation, and training
        .target(name: "Datasets", dependencies: ["Electronic", "HolsteinModel", "IO", "RandomNumbers"]),
        .target(
            name: "DataGeneration",
            dependencies: [
                "Datasets", "Dynamics", "ForceFieldInterface", "ForceFields", "Electronic", "HolsteinModel", "IO",
                "LinearAlgebra",
                "RandomNumbers",
            ]),
        .target(
            name: "Training",
            dependencies: [
                "Datasets", "Electronic", "HolsteinModel", "ForceModels", "ENN", "Baselines", "IO", "RandomNumbers",
            ]),

        // MARK: observables and figures
        .target(name: "Plotting"),
        .target(name: "Analysis", dependencies: ["CFFTW", "IO", "Plotting"], swiftSettings: hotCode),

        // MARK: measurements and the command line
        .target(
            name: "Benchmarks",
            dependencies: [
                "LinearAlgebra", "IO", "Lattice", "Features", "Electronic", "HolsteinModel", "ForceFieldInterface",
                "Dynamics", "ForceModels",
                "ENN", "ForceFields", "Training", "RandomNumbers",
            ],
            swiftSettings: hotCode),
        .executableTarget(
            name: "LatticeFFCLI",
            dependencies: [
                "LinearAlgebra", "RandomNumbers", "IO", "Parallel", "Symmetry", "Lattice", "Features", "Electronic",
                "HolsteinModel", "ForceFieldInterface", "Dynamics",
                "ForceModels", "ENN", "Baselines", "ForceFields", "Datasets", "DataGeneration", "Training", "Plotting",
                "Analysis", "Benchmarks", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: cpuFlags),

        // MARK: tests (mirror the module layout)
        .target(name: "TestSupport", dependencies: ["Symmetry", "Lattice"], path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"], swiftSettings: cpuFlags),
        .testTarget(name: "RandomNumbersTests", dependencies: ["RandomNumbers"]),
        .testTarget(name: "ParallelTests", dependencies: ["Parallel"]),
        .testTarget(name: "IOTests", dependencies: ["IO", "TestSupport"]),
        .testTarget(name: "SymmetryTests", dependencies: ["Symmetry", "TestSupport"], swiftSettings: cpuFlags),
        .testTarget(name: "LatticeTests", dependencies: ["Lattice", "TestSupport"], swiftSettings: cpuFlags),
        .testTarget(
            name: "ElectronicTests",
            dependencies: ["Electronic", "HolsteinModel", "LinearAlgebra", "IO", "TestSupport"], swiftSettings: cpuFlags
        ),
        .testTarget(
            name: "DynamicsTests",
            dependencies: [
                "Dynamics", "ForceFieldInterface", "ForceFields", "ForceModels", "ENN", "Electronic", "HolsteinModel",
                "IO", "RandomNumbers",
            ],
            swiftSettings: cpuFlags),
        .testTarget(
            name: "FeaturesTests", dependencies: ["Features", "Lattice", "Symmetry", "TestSupport"],
            swiftSettings: cpuFlags),
        .testTarget(
            name: "ENNTests",
            dependencies: [
                "ENN", "ForceModels", "ForceFieldInterface", "ForceFields", "Features", "Lattice", "Symmetry", "IO",
                "Electronic", "HolsteinModel", "LinearAlgebra", "Training", "Benchmarks", "TestSupport",
            ],
            swiftSettings: cpuFlags),
        .testTarget(
            name: "BaselinesTests",
            dependencies: [
                "Baselines", "ForceModels", "ENN", "ForceFieldInterface", "ForceFields", "Lattice", "Symmetry", "IO",
                "Electronic", "HolsteinModel", "Datasets", "DataGeneration", "TestSupport",
            ],
            swiftSettings: cpuFlags),
        .testTarget(
            name: "ForceFieldsTests",
            dependencies: [
                "ForceFields", "ForceFieldInterface", "Electronic", "HolsteinModel", "IO", "LinearAlgebra",
                "TestSupport",
            ],
            swiftSettings: cpuFlags),
        .testTarget(
            name: "DatasetsTests", dependencies: ["Datasets", "Electronic", "HolsteinModel", "IO", "TestSupport"]),
        .testTarget(
            name: "DataGenerationTests",
            dependencies: [
                "DataGeneration", "Datasets", "Electronic", "HolsteinModel", "ForceFieldInterface", "ForceFields",
                "TestSupport",
            ]),
        .testTarget(
            name: "TrainingTests",
            dependencies: [
                "Training", "Datasets", "DataGeneration", "ForceModels", "ENN", "Baselines", "Electronic",
                "HolsteinModel", "TestSupport",
            ]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting", "TestSupport"]),
        .testTarget(name: "PackageLayoutTests"),
        .target(name: "AnalysisTestSupport", dependencies: ["IO"], path: "Tests/AnalysisTestSupport"),
        .testTarget(
            name: "AnalysisTests",
            dependencies: ["Analysis", "IO", "Plotting", "RandomNumbers", "AnalysisTestSupport", "TestSupport"],
            swiftSettings: cpuFlags),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "LatticeFFCLI", "IO", "ForceModels", "ENN", "Training", "AnalysisTestSupport", "TestSupport",
            ]),
    ]
)
