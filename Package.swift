// swift-tools-version:6.0
// LatticeFF — equivariant machine-learning force fields for lattice models.
// The target list reads as the pipeline: numerics and I/O leaves → symmetry and lattice →
// features → (later) ENN / electronic engine → dynamics → analysis → the `latticeff` CLI.
import PackageDescription
import Foundation

// Hot code needs an FMA-capable CPU target: the default x86_64 target has no FMA and turns every
// SIMD multiply-add into a libm call (see docs/PERFORMANCE.md). `haswell` (AVX2 + FMA) runs on every
// x86_64 CPU since 2013; set LATTICEFF_TARGET_CPU=native (or znver4, skylake-avx512) to go further.
let targetCPU = ProcessInfo.processInfo.environment["LATTICEFF_TARGET_CPU"] ?? "haswell"
#if arch(x86_64)
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", targetCPU])]
#else
let cpuFlags: [SwiftSetting] = []
#endif
let hotCode: [SwiftSetting] = cpuFlags + [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "LatticeFF",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "latticeff", targets: ["LatticeFFCLI"]),
        .library(name: "LatticeFF", targets: ["LinearAlgebra", "IO", "Symmetry", "Lattice", "Features", "Electronic", "ENN", "Baselines", "ForceFields", "RandomNumbers", "Dynamics", "Datasets", "DataGeneration", "Training", "Plotting", "Analysis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        // MARK: system libraries (C)
        .systemLibrary(name: "CLAPACK", path: "Sources/CLAPACK",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW", providers: [.apt(["libfftw3-dev"])]),

        // MARK: leaves — no physics
        .target(name: "LinearAlgebra", dependencies: ["CLAPACK", "CFFTW"], swiftSettings: hotCode),
        .target(name: "RandomNumbers", swiftSettings: hotCode),
        .target(name: "IO", dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]),

        // MARK: geometry and symmetry
        .target(name: "Symmetry", dependencies: ["LinearAlgebra"], swiftSettings: cpuFlags),
        .target(name: "Lattice", dependencies: ["Symmetry"], swiftSettings: cpuFlags),

        // MARK: electronic structure (the ground truth the network learns)
        .target(name: "Electronic", dependencies: ["LinearAlgebra"], swiftSettings: hotCode),

        // MARK: the force-field interface dynamics consumes (ED now, the network next)
        .target(name: "ForceFields", dependencies: ["Electronic", "ENN", "Baselines", "LinearAlgebra"], swiftSettings: hotCode),

        // MARK: Langevin dynamics driven by any force field (runs, checkpoints, ensembles)
        .target(name: "Dynamics", dependencies: ["ForceFields", "Electronic", "IO", "RandomNumbers", "LinearAlgebra"],
                swiftSettings: hotCode),

        // MARK: ED training data (files, splits, error metrics) and its generation
        .target(name: "Datasets", dependencies: ["Electronic", "IO", "RandomNumbers"]),
        .target(name: "DataGeneration", dependencies: ["Datasets", "Dynamics", "ForceFields", "Electronic", "IO",
                                                       "LinearAlgebra", "RandomNumbers"]),

        // MARK: training loop pieces (schedules, stopping) and, with the network, the trainer
        .target(name: "Training", dependencies: ["Datasets", "Electronic", "ENN", "IO", "RandomNumbers"]),

        // MARK: configuration → per-site IR coefficients
        .target(name: "Features", dependencies: ["Symmetry", "Lattice", "LinearAlgebra"], swiftSettings: hotCode),

        // MARK: the equivariant network (IR features → products → gates → local force)
        .target(name: "ENN", dependencies: ["Symmetry", "Lattice", "Features", "LinearAlgebra", "IO", "Electronic", "RandomNumbers"],
                swiftSettings: hotCode),
        // MARK: the non-symmetric baseline (MLP on the raw neighbourhood) and the model-file loader
        .target(name: "Baselines", dependencies: ["ENN", "Lattice", "Symmetry", "Features", "LinearAlgebra", "IO", "Electronic",
                                                  "RandomNumbers"],
                swiftSettings: hotCode),

        // MARK: observables and figures
        .target(name: "Plotting"),
        .target(name: "Analysis", dependencies: ["CFFTW", "IO", "Plotting"], swiftSettings: hotCode),

        // MARK: measurements and the command line
        .target(name: "Benchmarks", dependencies: ["LinearAlgebra", "IO", "Lattice", "Features", "Electronic", "ENN", "ForceFields"], swiftSettings: hotCode),
        .executableTarget(name: "LatticeFFCLI",
                          dependencies: ["LinearAlgebra", "IO", "Symmetry", "Lattice", "Features", "Benchmarks", "ENN", "Baselines",
                                         "Electronic", "ForceFields", "Dynamics", "RandomNumbers", "Datasets", "DataGeneration", "Training",
                                         "Plotting", "Analysis",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: cpuFlags),

        // MARK: tests (mirror the module layout)
        .target(name: "TestSupport", dependencies: ["Symmetry", "Lattice"], path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"], swiftSettings: cpuFlags),
        .testTarget(name: "RandomNumbersTests", dependencies: ["RandomNumbers"]),
        .testTarget(name: "IOTests", dependencies: ["IO"]),
        .testTarget(name: "SymmetryTests", dependencies: ["Symmetry", "TestSupport"], swiftSettings: cpuFlags),
        .testTarget(name: "LatticeTests", dependencies: ["Lattice", "TestSupport"], swiftSettings: cpuFlags),
        .testTarget(name: "FeaturesTests", dependencies: ["Features", "Lattice", "Symmetry", "TestSupport"],
                    swiftSettings: cpuFlags),
        .testTarget(name: "ElectronicTests", dependencies: ["Electronic", "LinearAlgebra", "TestSupport"], swiftSettings: cpuFlags),
        .testTarget(name: "ForceFieldsTests", dependencies: ["ForceFields", "Electronic", "LinearAlgebra", "TestSupport"], swiftSettings: cpuFlags),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Electronic", "IO", "TestSupport"]),
        .testTarget(name: "DataGenerationTests", dependencies: ["DataGeneration", "Datasets", "Electronic", "ForceFields", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Datasets", "DataGeneration", "ENN", "Baselines", "Electronic", "TestSupport"]),
        .testTarget(name: "DynamicsTests", dependencies: ["Dynamics", "ForceFields", "ENN", "Electronic", "IO", "RandomNumbers"],
                    swiftSettings: cpuFlags),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
        .target(name: "AnalysisTestSupport", dependencies: ["IO"], path: "Tests/AnalysisTestSupport"),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "IO", "Plotting", "RandomNumbers", "AnalysisTestSupport"],
                    swiftSettings: cpuFlags),
        .testTarget(name: "ENNTests", dependencies: ["ENN", "ForceFields", "Features", "Lattice", "Symmetry", "IO", "Electronic", "LinearAlgebra", "TestSupport"],
                    swiftSettings: cpuFlags),
        .testTarget(name: "BaselinesTests", dependencies: ["Baselines", "ENN", "ForceFields", "Lattice", "Symmetry", "IO", "Electronic",
                                                          "Datasets", "DataGeneration", "TestSupport"],
                    swiftSettings: cpuFlags),
        .testTarget(name: "CLITests", dependencies: ["LatticeFFCLI", "IO", "ENN", "AnalysisTestSupport", "TestSupport"]),
    ]
)
