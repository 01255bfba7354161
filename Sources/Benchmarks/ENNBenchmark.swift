/// Throughput of the equivariant network: forward (whole-lattice force evaluation) and training
/// steps, with the sgemm 1024³ rate of the same run as the machine's practical peak.

import Dispatch
import ENN
import ForceModels
import Foundation
import LinearAlgebra
import Training

/// One measured case of `latticeff bench enn`.
public struct ENNBenchmarkResult: Codable, Sendable {
    /// "sgemm-1024", "forward" or "training".
    public var name: String
    /// Lattice size L (0 for sgemm).
    public var size: Int
    public var threads: Int
    public var gate: String
    /// Neighbourhood radius of the network (absent for sgemm).
    public var radius: Double? = nil
    /// Parameter count of the network (absent for sgemm).
    public var parameters: Int? = nil
    public var seconds: Double
    public var sitesPerSecond: Double
    /// Achieved GFLOP/s (linear maps: 2 × multiply-adds per site; sgemm: 2·1024³).
    public var gigaflops: Double
}

/// sgemm and forward at each size in `sizes` on each thread count of `threads`, and training (loss +
/// gradients + Adam step on one `trainingSize`² configuration, 1 and 2 threads: the gradient slots)
/// for the reference architecture, float32.
public func benchmarkENN(
    sizes: [Int], trainingSize: Int = 40, gate: GateKind = .smooth, radius: Double = 13.0.squareRoot(),
    repeats: Int = 5, threads: [Int] = [1, 2], progress: (String) -> Void = { _ in }
) throws -> [ENNBenchmarkResult] {
    var results = sgemmReferenceResults(threads: threads, progress: progress)
    let network = try referenceNetwork(
        gate: gate, radius: radius, sizes: sizes + [trainingSize], progress: progress)
    results += try forwardResults(
        network: network, sizes: sizes, gate: gate, radius: radius, repeats: repeats, threads: threads,
        progress: progress)
    results += layerKernelResults(
        network: network, trainingSize: trainingSize, gate: gate, repeats: repeats, progress: progress)
    results += try trainingResults(
        network: network, trainingSize: trainingSize, gate: gate, radius: radius, repeats: repeats,
        progress: progress)
    return results
}

/// The sgemm 1024³ rate on each thread count of `threads`: the machine's practical peak for the run.
private func sgemmReferenceResults(threads: [Int], progress: (String) -> Void) -> [ENNBenchmarkResult] {
    sgemmReference(threads: threads, progress: progress).map {
        ENNBenchmarkResult(
            name: "sgemm-1024", size: 0, threads: $0.threads, gate: "-", seconds: $0.seconds, sitesPerSecond: 0,
            gigaflops: $0.gigaflops)
    }
}

/// The float32 reference network (seed 1) with the given gate and radius; throws if any of
/// `sizes` is below the network's minimum lattice size.
private func referenceNetwork(
    gate: GateKind, radius: Double, sizes: [Int], progress: (String) -> Void
) throws -> EquivariantNetwork<Float> {
    var configuration = NetworkConfiguration.reference(gate: gate)
    configuration.radius = radius
    let network = try EquivariantNetwork<Float>(configuration: configuration, seed: 1)
    let minimum = network.featurizer.minimumLatticeSize
    if let small = sizes.first(where: { $0 < minimum }) {
        throw ForceModelError("lattice size \(small) is too small for radius \(radius) (needs L ≥ \(minimum))")
    }
    progress(
        String(
            format: "network: radius %.4g, %d neighbourhood sites, %d parameters", radius,
            network.featurizer.neighbourhood.count, network.parameters.count))
    return network
}

/// A deterministic pseudo-random L×L displacement field, uniform in [−2, 2).
private func benchmarkField(_ l: Int) -> [Double] {
    var state: UInt64 = 12345
    return (0..<(l * l)).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return 4 * (Double(state >> 11) / Double(1 << 53) - 0.5)
    }
}

/// Whole-lattice force evaluation at each size in `sizes` on each thread count of `threads` (half
/// the repeats from L = 200).
private func forwardResults(
    network: EquivariantNetwork<Float>, sizes: [Int], gate: GateKind, radius: Double, repeats: Int,
    threads threadCounts: [Int], progress: (String) -> Void
) throws -> [ENNBenchmarkResult] {
    var results: [ENNBenchmarkResult] = []
    let flopsPerSite = 2 * Double(network.structure.multiplyAddsPerSite)
    for l in sizes {
        let q = benchmarkField(l)
        try network.setInputScales(fromConfigurations: q, count: 1, size: l)
        for threads in threadCounts {
            network.threads = threads
            let seconds = try medianSeconds(repeats: l >= 200 ? max(1, repeats / 2) : repeats) {
                _ = try network.forces(configuration: q, size: l)
            }
            let sites = Double(l * l)
            results.append(
                ENNBenchmarkResult(
                    name: "forward", size: l, threads: threads, gate: gate.rawValue, radius: radius,
                    parameters: network.parameters.count, seconds: seconds,
                    sitesPerSecond: sites / seconds, gigaflops: sites * flopsPerSite / seconds / 1e9))
            progress(
                String(
                    format: "forward  L=%-4d        threads=%d  %9.4f s  %9.0f sites/s  %6.1f GFLOP/s",
                    l, threads, seconds, sites / seconds, sites * flopsPerSite / seconds / 1e9))
        }
    }
    return results
}

/// Kernel choice for the widest layer (layer 2) on trainingSize² sites: the fused kernel vs the
/// GEMMs alone of the materialised and bilinear alternatives (1 thread).
private func layerKernelResults(
    network: EquivariantNetwork<Float>, trainingSize: Int, gate: GateKind, repeats: Int,
    progress: (String) -> Void
) -> [ENNBenchmarkResult] {
    var results: [ENNBenchmarkResult] = []
    let sites = trainingSize * trainingSize, layer = min(1, network.structure.layers.count - 1)
    let layerFlops =
        2
        * Double(
            network.structure.layers[layer].input.labels.indices.reduce(0) {
                let p = network.structure.layers[layer]
                return $0 + p.auxiliaryWidths[$1] * p.output.multiplicities[$1] * p.output.dimensions[$1]
            })
    let fused = network.fusedLayerSeconds(layer: layer, sites: sites, repeats: repeats)
    results.append(
        ENNBenchmarkResult(
            name: "layer\(layer + 1)-fused", size: trainingSize, threads: 1, gate: gate.rawValue, seconds: fused,
            sitesPerSecond: Double(sites) / fused, gigaflops: Double(sites) * layerFlops / fused / 1e9))
    progress(
        String(
            format: "layer %d fused kernel   threads=1  %9.4f s  %9.0f sites/s  %6.1f GFLOP/s", layer + 1, fused,
            Double(sites) / fused, Double(sites) * layerFlops / fused / 1e9))
    for (name, shapes) in [
        ("materialised-gemm", network.materialisedGEMMs(layer: layer, sites: sites)),
        ("bilinear-gemm", network.bilinearGEMMs(layer: layer, sites: sites)),
    ] {
        let seconds = gemmSeconds(shapes, repeats: repeats)
        let flops = shapes.reduce(0.0) { $0 + 2 * Double($1.m * $1.n * $1.k) }
        results.append(
            ENNBenchmarkResult(
                name: "layer\(layer + 1)-\(name)", size: trainingSize, threads: 1, gate: "-", seconds: seconds,
                sitesPerSecond: Double(sites) / seconds, gigaflops: flops / seconds / 1e9))
        progress(
            String(
                format: "layer %d %@ (GEMMs only) threads=1  %9.4f s  %9.0f sites/s  %6.1f GFLOP/s",
                layer + 1, name, seconds, Double(sites) / seconds, flops / seconds / 1e9))
    }
    return results
}

/// Training steps (loss + gradients + Adam step) on one trainingSize² configuration, 1 and 2
/// threads; GFLOP/s counts forward + backward as 3 × the forward flops.
private func trainingResults(
    network: EquivariantNetwork<Float>, trainingSize: Int, gate: GateKind, radius: Double, repeats: Int,
    progress: (String) -> Void
) throws -> [ENNBenchmarkResult] {
    var results: [ENNBenchmarkResult] = []
    let flopsPerSite = 2 * Double(network.structure.multiplyAddsPerSite)
    let l = trainingSize, q = benchmarkField(l)
    let targets = q.map { -$0 }
    var adam = AdamOptimizer<Float>(parameterCount: network.structure.parameterCount)
    for threads in [1, 2] {
        network.threads = threads
        let seconds = try medianSeconds(repeats: repeats) {
            let (_, gradient) = try network.lossAndGradients(configurations: q, targets: targets, count: 1, size: l)
            try adam.step(parameters: &network.parameters, gradients: gradient)
        }
        let sites = Double(l * l)
        // forward + backward ≈ 3 × forward flops
        results.append(
            ENNBenchmarkResult(
                name: "training", size: l, threads: threads, gate: gate.rawValue, radius: radius,
                parameters: network.parameters.count, seconds: seconds,
                sitesPerSecond: sites / seconds, gigaflops: 3 * sites * flopsPerSite / seconds / 1e9))
        progress(
            String(
                format: "training L=%-4d        threads=%d  %9.4f s  %9.0f sites/s  %6.1f GFLOP/s (3× forward flops)",
                l, threads, seconds, sites / seconds, 3 * sites * flopsPerSite / seconds / 1e9))
    }
    return results
}

/// Median seconds of running every GEMM in `shapes` once (sgemm, 1 BLAS thread).
func gemmSeconds(_ shapes: [GEMMShape], repeats: Int) -> Double {
    let buffers = shapes.map { s in
        (
            [Float](repeating: 0.01, count: s.m * s.k), [Float](repeating: 0.02, count: s.k * s.n),
            [Float](repeating: 0, count: s.m * s.n)
        )
    }
    var outputs = buffers.map(\.2)
    return BLASRuntime.withThreads(1) {
        medianSeconds(repeats: repeats) {
            for (i, s) in shapes.enumerated() {
                buffers[i].0.withUnsafeBufferPointer { a in
                    buffers[i].1.withUnsafeBufferPointer { b in
                        outputs[i].withUnsafeMutableBufferPointer { c in
                            sgemm(m: s.m, n: s.n, k: s.k, a: a.baseAddress!, b: b.baseAddress!, c: c.baseAddress!)
                        }
                    }
                }
            }
        }
    }
}

/// `latticeff bench enn --profile`: the forward pass of one L² configuration per stage on one thread
/// (least thread CPU seconds of `repeats` passes per stage, robust to other load), each layer's
/// GFLOP/s (linear-map multiply-adds, as the forward rows count them) next to the sgemm 1024³ rate of
/// the same run, and a digest of the outputs' bits on 1 and 2 threads (equal before and after a change
/// that must keep the bits).
public func profileENNForward(
    sizes: [Int], gate: GateKind = .smooth, radius: Double = 13.0.squareRoot(), repeats: Int = 5,
    progress: (String) -> Void = { _ in }
) throws {
    let sgemm = sgemmRate(threads: 1)
    progress(String(format: "sgemm 1024³           threads=1  %8.1f GFLOP/s", sgemm))
    let network = try referenceNetwork(gate: gate, radius: radius, sizes: sizes, progress: progress)
    let layerFlops = network.structure.layers.map { p in
        2
            * Double(
                p.input.labels.indices.reduce(0) {
                    $0 + p.auxiliaryWidths[$1] * p.output.multiplicities[$1] * p.output.dimensions[$1]
                })
    }
    for l in sizes {
        let q = benchmarkField(l)
        try network.setInputScales(fromConfigurations: q, count: 1, size: l)
        let runs = try (0..<max(1, repeats)).map { _ in try network.forwardStageSeconds(configuration: q, size: l) }
        let least = runs[0].indices.map { i in runs.map { $0[i].seconds }.min()! }
        let total = least.reduce(0, +), sites = Double(l * l)
        for (i, seconds) in least.enumerated() {
            let stage = runs[0][i].stage
            let name = stage.padding(toLength: 10, withPad: " ", startingAt: 0)
            var line = String(format: "profile L=%-4d %@ %9.4f s  %5.1f %%", l, name, seconds, 100 * seconds / total)
            if stage.hasPrefix("layer"), let k = Int(stage.dropFirst(6)) {
                let rate = sites * layerFlops[k - 1] / seconds / 1e9
                line += String(format: "  %6.1f GFLOP/s (%.0f %% of sgemm)", rate, 100 * rate / sgemm)
            }
            progress(line)
        }
        let rate = sites * layerFlops.reduce(0, +) / total / 1e9
        progress(String(format: "profile L=%-4d total      %9.4f s  %6.1f GFLOP/s overall", l, total, rate))
        for threads in [1, 2] {
            network.threads = threads
            progress(String(format: "digest L=%d threads=%d %016llx", l, threads, try outputDigest(network, q, l)))
        }
    }
}

/// FNV-1a-style digest of the bits of `networkOutputs` for one configuration: equal digests before and
/// after a change to the kernels mean bit-identical outputs.
private func outputDigest(_ network: EquivariantNetwork<Float>, _ q: [Double], _ l: Int) throws -> UInt64 {
    let outputs = try network.networkOutputs(configurations: q, count: 1, size: l)
    var digest: UInt64 = 14_695_981_039_346_656_037
    for v in outputs { digest = (digest ^ v.bitPattern) &* 1_099_511_628_211 }
    return digest
}
