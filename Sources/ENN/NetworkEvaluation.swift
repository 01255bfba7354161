/// Public passes of the network: on per-site feature rows, and on whole periodic configurations
/// (featurized chunk by chunk, so memory stays bounded for any L).

import Features
import ForceModels
import Foundation
import Lattice

extension EquivariantNetwork {
    // MARK: per-site features

    /// Forward pass: forces for `siteCount` sites from raw (unscaled) features, [siteCount × featureCount]
    /// row-major. With a Fermi head: its readout channels, [siteCount × structure.outputCount].
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward(features: [T], siteCount: Int) throws -> [T] {
        try checkFeatures(features, siteCount)
        let outs = structure.outputCount
        var out = [T](repeating: 0, count: siteCount * outs)
        let prep = prepared(), chunk = prep.blocksPerChunk * 8, f = featureCount
        let chunks = (siteCount + chunk - 1) / chunk
        let workspaces = forwardWorkspaces(prep, chunks: chunks)
        defer { returnWorkspaces(workspaces) }
        features.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let shared = Unchecked((src.baseAddress!, dst.baseAddress!, workspaces, prep))
                forEachItem(chunks, dynamic: true) { slot, c in
                    let (src, dst, workspaces, prep) = shared.value
                    let start = c * chunk, count = min(chunk, siteCount - start)
                    let ws = workspaces[slot]
                    ws.features.update(from: src + start * f, count: count * f)
                    self.forwardChunk(ws, prep, count: count, output: dst + start * outs)
                }
            }
        }
        return out
    }

    /// Gradients of loss = Σ_i outputGradient[i]·F_i with respect to the parameters (flat) and to
    /// the raw features ([siteCount × featureCount]). With a Fermi head, F and `outputGradient` are
    /// its readout channels, [siteCount × structure.outputCount].
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func gradients(features: [T], siteCount: Int, outputGradient: [T]) throws -> (parameters: [T], features: [T])
    {
        try checkFeatures(features, siteCount)
        let outs = structure.outputCount
        guard outputGradient.count == siteCount * outs else {
            throw ForceModelError(
                "output gradient has \(outputGradient.count) values for \(siteCount) sites × \(outs) outputs")
        }
        let prep = prepared(), chunk = prep.blocksPerChunk * 8, f = featureCount
        let chunks = (siteCount + chunk - 1) / chunk
        let workspaces = (0..<Self.gradientSlots).map { _ in
            Workspace(structure: structure, blocks: prep.blocksPerChunk)
        }
        let pc = parameters.count
        var slots = [T](repeating: 0, count: Self.gradientSlots * pc)
        var featureGradient = [T](repeating: 0, count: siteCount * f)
        var scratch = [T](repeating: 0, count: Self.gradientSlots * chunk * outs)
        features.withUnsafeBufferPointer { src in
            outputGradient.withUnsafeBufferPointer { dOut in
                featureGradient.withUnsafeMutableBufferPointer { dFeat in
                    scratch.withUnsafeMutableBufferPointer { out in
                        slots.withUnsafeMutableBufferPointer { g in
                            let shared = Unchecked(
                                (
                                    src.baseAddress!, dOut.baseAddress!, dFeat.baseAddress!, out.baseAddress!,
                                    g.baseAddress!, workspaces, prep
                                ))
                            forEachItem(chunks) { slot, c in
                                let (src, dOut, dFeat, out, g, workspaces, prep) = shared.value
                                let start = c * chunk, count = min(chunk, siteCount - start)
                                let ws = workspaces[slot]
                                ws.features.update(from: src + start * f, count: count * f)
                                self.forwardChunk(ws, prep, count: count, output: out + slot * chunk * outs)
                                self.backwardChunk(
                                    ws, prep, count: count, outputGradient: dOut + start * outs,
                                    gradient: g + slot * pc, featureGradient: dFeat + start * f)
                            }
                        }
                    }
                }
            }
        }
        return (Self.sumSlots(slots, count: pc), featureGradient)
    }

    /// Per-site outputs of every layer for equivariance checks: for each hidden layer the gated
    /// activations [siteCount × layout.size] (layout `structure.layers[l].output`), then the forces
    /// (the readout channels, [siteCount × structure.outputCount]).
    public func layerOutputs(features: [T], siteCount: Int) throws -> [[T]] {
        try checkFeatures(features, siteCount)
        let prep = prepared(), chunk = prep.blocksPerChunk * 8, f = featureCount
        let ws = Workspace(structure: structure, blocks: prep.blocksPerChunk)
        let hidden = structure.layers.filter(\.gated)
        var outputs = hidden.map { [T](repeating: 0, count: siteCount * $0.output.size) }
        let outs = structure.outputCount
        var forces = [T](repeating: 0, count: siteCount * outs)
        for start in stride(from: 0, to: siteCount, by: chunk) {
            let count = min(chunk, siteCount - start)
            features.withUnsafeBufferPointer { ws.features.update(from: $0.baseAddress! + start * f, count: count * f) }
            forces.withUnsafeMutableBufferPointer {
                forwardChunk(ws, prep, count: count, output: $0.baseAddress! + start * outs)
            }
            for (l, plan) in hidden.enumerated() {
                let size = plan.output.size
                for site in 0..<count {
                    for j in 0..<size {
                        outputs[l][(start + site) * size + j] = ws.act[l + 1][(site / 8) * size + j][site % 8]
                    }
                }
            }
        }
        return outputs + [forces]
    }

    func checkFeatures(_ features: [T], _ siteCount: Int) throws {
        guard siteCount >= 0, features.count == siteCount * featureCount else {
            throw ForceModelError(
                "features have \(features.count) values, expected \(siteCount) sites × \(featureCount)")
        }
    }

    /// Sum of the gradient slots stored one after another in `slots`.
    static func sumSlots(_ slots: [T], count: Int) -> [T] {
        var total = [T](slots[0..<count])
        for s in 1..<gradientSlots { for i in 0..<count { total[i] += slots[s * count + i] } }
        return total
    }

    // MARK: whole configurations

    /// Throws unless configurations of `size` × `size` sites can be evaluated (lattice kind and
    /// L ≥ 2·halo + 1 for the neighbourhood).
    public func validateLattice(size: Int) throws { _ = try lattice(size: size) }

    /// Validated lattice for configurations of `size` × `size` sites.
    func lattice(size: Int) throws -> PeriodicLattice {
        let lattice: PeriodicLattice
        do {
            lattice = try PeriodicLattice(geometry: try configuration.geometry(), size: size)
            try featurizer.validate(lattice)
            if let solver = try baselineSolver(), size < solver.minimumLatticeSize {
                throw ForceModelError(
                    """
                    L = \(size) is too small for the cluster baseline of radius \(solver.radius) (needs L ≥ \
                    \(solver.minimumLatticeSize))
                    """
                )
            }
        } catch let error as ForceModelError { throw error } catch { throw ForceModelError("\(error)") }
        return lattice
    }

    /// Forces F_i (site i = x + L·y) of `count` configurations stored flat, [count × L·L]: the
    /// network's output, turned into forces as `readout` says, then projected if
    /// `electronNumberProjection` is set.
    public func forces(configurations q: [Double], count: Int, size: Int) throws -> [Double] {
        try forcesAndChemicalPotentials(configurations: q, count: count, size: size).forces
    }

    /// Forces and chemical potentials with the search for μ (if any) started from scratch.
    public func forcesAndChemicalPotentials(
        configurations q: [Double], count: Int, size: Int
    ) throws
        -> ForceModelOutput
    {
        try forcesAndChemicalPotentials(configurations: q, count: count, size: size, startingFrom: nil)
    }

    /// Forces as `forces(configurations:count:size:)`, and for a grand-canonical readout the
    /// chemical potential μ = g·s of every configuration (nil for other readouts); `startingFrom`
    /// warm-starts the fixed-N search for μ (`TrainableForceModel`).
    public func forcesAndChemicalPotentials(
        configurations q: [Double], count: Int, size: Int, startingFrom: [ChemicalPotentialStart]?
    ) throws
        -> ForceModelOutput
    {
        _ = try lattice(size: size)
        return try assembleForces(
            q, count: count, size: size, readout: readout, holstein: holstein, lattice: configuration.lattice,
            electronNumberProjection: electronNumberProjection,
            startingFrom: startingFrom
        ) {
            try self.networkOutputs(configurations: $0, count: $1, size: size)
        }
    }

    /// The model's outputs G_i for every site of `count` configurations: A1 readout + bias, through
    /// the head, plus the baseline if there is one.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func networkOutputs(configurations q: [Double], count: Int, size: Int) throws -> [Double] {
        try networkOutputs(configurations: q, count: count, size: size, includingBaseline: true)
    }

    /// `networkOutputs(configurations:count:size:)`, with the baseline added only when `includingBaseline`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func networkOutputs(configurations q: [Double], count: Int, size: Int, includingBaseline: Bool) throws -> [Double] {
        let lattice = try lattice(size: size)
        let n = lattice.siteCount
        guard q.count == count * n else {
            throw ForceModelError("configurations have \(q.count) values, expected \(count) × \(size)×\(size)")
        }
        guard q.allSatisfy({ $0.isFinite }) else { throw ForceModelError("configuration contains a non-finite value") }
        let head = configuration.head
        try head.validate(holstein)
        let raw = q, transformed = inputTransform.apply(q)
        let prep = prepared(), chunk = prep.blocksPerChunk * 8, outs = structure.outputCount
        let (g, temperature, outputScale) = (holstein.coupling, holstein.temperature, self.outputScale)
        let chunksPer = (n + chunk - 1) / chunk
        let workspaces = forwardWorkspaces(prep, chunks: chunksPer)
        defer { returnWorkspaces(workspaces) }
        var out = [Double](repeating: 0, count: count * n)
        var scratch = [T](repeating: 0, count: workspaces.count * chunk * outs)
        for c in 0..<count {
            let halo: HaloField<T> = transformed[(c * n)..<((c + 1) * n)].withUnsafeBufferPointer {
                HaloField<T>(field: $0, size: size, halo: featurizer.neighbourhood.haloWidth)
            }
            out.withUnsafeMutableBufferPointer { dst in
                scratch.withUnsafeMutableBufferPointer { tmp in
                    raw.withUnsafeBufferPointer { qRaw in
                        let shared = Unchecked(
                            (
                                dst.baseAddress! + c * n, tmp.baseAddress!, workspaces, prep, halo,
                                qRaw.baseAddress! + c * n
                            ))
                        forEachItem(chunksPer, dynamic: true) { slot, item in
                            let (dst, tmp, workspaces, prep, halo, qRaw) = shared.value
                            let start = item * chunk, sites = min(chunk, n - start)
                            let ws = workspaces[slot], channels = tmp + slot * chunk * outs
                            self.featurizer.features(halo: halo, sites: start..<(start + sites), into: ws.features)
                            self.forwardChunk(ws, prep, count: sites, output: channels)
                            for i in 0..<sites {
                                dst[start + i] =
                                    outputScale
                                    * head.output(
                                        channels: channels + i * outs, q: qRaw[start + i], coupling: g,
                                        temperature: temperature)
                            }
                        }
                    }
                }
            }
        }
        if includingBaseline, let base = try baselineOutputs(raw, count: count, size: size, cached: false) {
            for i in out.indices { out[i] += base[i] }
        }
        return out
    }

    /// CPU seconds (of the calling thread, so that other processes' load counts less) per stage of
    /// `networkOutputs` on one `size`² configuration, one thread, each stage timed apart chunk by
    /// chunk: "halo" (input transform + padded field), "featurize", "scale", "layer l" (products +
    /// linear map) and "gate l" per layer, "readout" (biases + head). For `latticeff bench enn
    /// --profile`; the forward pass's arithmetic, without the baseline.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    package func forwardStageSeconds(configuration q: [Double], size: Int) throws -> [(stage: String, seconds: Double)]
    {
        let n = try lattice(size: size).siteCount
        let prep = prepared(), chunk = prep.blocksPerChunk * 8, outs = structure.outputCount, head = configuration.head
        let ws = Workspace(structure: structure, blocks: prep.blocksPerChunk)
        let layers = structure.layers.count
        var seconds = [Double](repeating: 0, count: 4 + 2 * layers)
        func now() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return Double(time.tv_sec) + 1e-9 * Double(time.tv_nsec)
        }
        var clock = now()
        func lap(_ stage: Int) {
            let time = now()
            seconds[stage] += time - clock
            clock = time
        }
        let halo: HaloField<T> = inputTransform.apply(q).withUnsafeBufferPointer {
            HaloField<T>(field: $0, size: size, halo: featurizer.neighbourhood.haloWidth)
        }
        lap(0)
        var channels = [T](repeating: 0, count: chunk * outs), out = [Double](repeating: 0, count: n)
        parameters.withUnsafeBufferPointer { p in
            for start in stride(from: 0, to: n, by: chunk) {
                let sites = min(chunk, n - start), blocks = (sites + 7) / 8
                featurizer.features(halo: halo, sites: start..<(start + sites), into: ws.features)
                lap(1)
                scaleInput(ws, prep, count: sites)
                lap(2)
                for (l, plan) in structure.layers.enumerated() {
                    layerForward(ws, prep, layer: l, blocks: blocks)
                    lap(3 + 2 * l)
                    if plan.gated {
                        gateForward(
                            plan, layer: l, parameters: p.baseAddress!, pre: ws.pre[l + 1], act: ws.act[l + 1],
                            blocks: blocks)
                    }
                    lap(4 + 2 * l)
                }
                channels.withUnsafeMutableBufferPointer { c in
                    readout(ws, parameters: p.baseAddress!, count: sites, output: c.baseAddress!)
                    for i in 0..<sites {
                        out[start + i] = head.output(
                            channels: c.baseAddress! + i * outs, q: q[start + i], coupling: holstein.coupling,
                            temperature: holstein.temperature)
                    }
                }
                lap(3 + 2 * layers)
            }
        }
        let names =
            ["halo", "featurize", "scale"] + (1...layers).flatMap { ["layer \($0)", "gate \($0)"] } + ["readout"]
        return Array(zip(names, seconds)).map { (stage: $0.0, seconds: $0.1) }
    }

    /// Forces of one configuration (L·L values, site i = x + L·y).
    public func forces(configuration q: [Double], size: Int) throws -> [Double] {
        try forces(configurations: q, count: 1, size: size)
    }

    /// Mean squared force error over every site of `count` configurations and its gradient with
    /// respect to the parameters: loss = (1/(count·N)) Σ (F_i − target_i)². The gradient is that
    /// of loss / outputScale² (the same direction; for the paper's network the scale is 1), so a
    /// network that learns a small remainder over a baseline sees gradients of unit scale.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func lossAndGradients(
        configurations q: [Double], targets: [Double], count: Int, size: Int
    ) throws
        -> (loss: Double, gradient: [T])
    {
        let lattice = try lattice(size: size)
        let n = lattice.siteCount
        guard q.count == count * n, targets.count == count * n, count > 0 else {
            throw ForceModelError(
                "need \(count) × \(n) configuration and target values, got \(q.count) and \(targets.count)")
        }
        try configuration.head.validate(holstein)
        let prep = prepared(), chunk = prep.blocksPerChunk * 8, outs = structure.outputCount
        let chunksPer = (n + chunk - 1) / chunk
        let transformed = inputTransform.apply(q)
        let halos: [HaloField<T>] = (0..<count).map { c in
            transformed[(c * n)..<((c + 1) * n)].withUnsafeBufferPointer {
                HaloField<T>(field: $0, size: size, halo: featurizer.neighbourhood.haloWidth)
            }
        }
        let targetsT = try networkTargets(q, targets: targets, count: count, size: size)
        let workspaces = (0..<Self.gradientSlots).map { _ in
            Workspace(structure: structure, blocks: prep.blocksPerChunk)
        }
        var slots = [T](repeating: 0, count: Self.gradientSlots * parameters.count)
        var scratch = [T](repeating: 0, count: Self.gradientSlots * 2 * chunk * outs)
        var losses = [Double](repeating: 0, count: Self.gradientSlots)
        let scale = 2 / Double(count * n), pc = parameters.count
        slots.withUnsafeMutableBufferPointer { gradients in
            scratch.withUnsafeMutableBufferPointer { tmp in
                losses.withUnsafeMutableBufferPointer { loss in
                    q.withUnsafeBufferPointer { qRaw in
                        targetsT.withUnsafeBufferPointer { target in
                            let shared = Unchecked(
                                (
                                    gradients.baseAddress!, tmp.baseAddress!, loss.baseAddress!, target.baseAddress!,
                                    workspaces, prep, halos, qRaw.baseAddress!
                                ))
                            forEachItem(count * chunksPer) { slot, item in
                                let (gradients, tmp, loss, target, workspaces, prep, halos, qRaw) = shared.value
                                let c = item / chunksPer, start = (item % chunksPer) * chunk,
                                    sites = min(chunk, n - start)
                                let ws = workspaces[slot]
                                self.featurizer.features(
                                    halo: halos[c], sites: start..<(start + sites), into: ws.features)
                                let out = tmp + slot * 2 * chunk * outs, dOut = out + chunk * outs
                                self.forwardChunk(ws, prep, count: sites, output: out)
                                loss[slot] += self.chunkLoss(
                                    outputs: out, outputGradient: dOut, sites: sites, first: c * n + start,
                                    targets: target, configurations: qRaw, scale: scale)
                                self.backwardChunk(
                                    ws, prep, count: sites, outputGradient: dOut, gradient: gradients + slot * pc,
                                    featureGradient: nil)
                            }
                        }
                    }
                }
            }
        }
        return (losses.reduce(0, +) / Double(count * n), Self.sumSlots(slots, count: pc))
    }

    /// The targets of the network's own output, in `T`: the force `targets` less the elastic force
    /// (when the readout adds it) and less the baseline's forces (when there is one).
    func networkTargets(_ q: [Double], targets: [Double], count: Int, size: Int) throws -> [T] {
        var electronicTargets = targets
        if readout.addsElasticForce {
            try addElasticForces(
                q, count: count, size: size, lattice: configuration.lattice, holstein: holstein, to: &electronicTargets,
                sign: -1)
        }
        if let base = try baselineOutputs(q, count: count, size: size, cached: true) {
            for i in electronicTargets.indices { electronicTargets[i] -= base[i] }
        }
        return electronicTargets.map { T($0) }
    }

    /// Sum of squared errors of one chunk's `sites` network outputs (`outputs`, outputCount channels
    /// a site) against `targets[first...]`, whose configuration values are `configurations[first...]`.
    /// Writes into `outputGradient` the gradient of loss / outputScale² with respect to the outputs,
    /// where `scale` = 2 / (configurations · sites) is the derivative of the mean of the squares.
    func chunkLoss(
        outputs out: UnsafeMutablePointer<T>, outputGradient dOut: UnsafeMutablePointer<T>, sites: Int, first: Int,
        targets target: UnsafePointer<T>, configurations qRaw: UnsafePointer<Double>, scale: Double
    ) -> Double {
        let head = configuration.head, outs = structure.outputCount
        let (g, temperature, outputScale) = (holstein.coupling, holstein.temperature, self.outputScale)
        var sum = 0.0
        for i in 0..<sites {
            let site = first + i
            if outs == 1 && outputScale == 1 {
                // The paper's network: G = o (kept in T arithmetic, as before heads and scales existed).
                let error = out[i] - target[site]
                sum += Double(error) * Double(error)
                dOut[i] = T(scale) * error
            } else {
                let value =
                    outputScale
                    * head.output(
                        channels: out + i * outs, q: qRaw[site], coupling: g, temperature: temperature,
                        gradient: dOut + i * outs)
                let error = value - Double(target[site])
                sum += error * error
                // Gradient of loss / outputScale²: the network learns its remainder at unit scale
                // (Adam's ε would otherwise swamp gradients ∝ outputScale²).
                for r in 0..<outs { dOut[i * outs + r] *= T(scale * error / outputScale) }
            }
        }
        return sum
    }
}
