/// Whole-configuration passes of the perceptron: forces, the training loss with its gradient, and
/// the input scale from training data (same semantics as the equivariant network's).

import Features
import ForceModels
import Foundation

extension MultilayerPerceptron {
    /// Throws unless configurations of `size` × `size` sites can be evaluated (L ≥ 2·halo + 1).
    public func validateLattice(size: Int) throws {
        guard size >= minimumLatticeSize else {
            throw ForceModelError(
                """
                lattice size L=\(size) is too small for neighbourhood radius \(String(format: "%.3g", radius)): need \
                L ≥ \(minimumLatticeSize)
                """
            )
        }
    }

    /// Sets the input scale to max |Q| over training configurations ([count × L·L], flat); 1 if
    /// every value is 0. Only `.irMaximum` (the largest value) applies to the single raw input scale.
    public func setInputScales(
        fromConfigurations q: [Double], count: Int, size: Int,
        method: InputScalingMethod = .irMaximum
    ) throws {
        guard method == .irMaximum else {
            throw ForceModelError(
                "the perceptron has one input scale (max |Q|); --input-scaling \(method.rawValue) is for the ENN")
        }
        try validateLattice(size: size)
        guard q.count == count * size * size, count > 0 else {
            throw ForceModelError("need \(count) × \(size * size) configuration values, got \(q.count)")
        }
        let largest = q.reduce(0) { max($0, abs($1)) }
        guard largest.isFinite else { throw ForceModelError("configuration contains a non-finite value") }
        inputScale = largest > 0 ? largest : 1
    }

    /// Offsets of the neighbourhood sites as index shifts in a halo field of this stride.
    func shifts(stride: Int) -> [Int] { neighbourhood.offsets.map { $0.n2 * stride + $0.n1 } }

    /// Halo-padded copies of every configuration.
    func halos(_ q: [Double], count: Int, size: Int) -> [HaloField<T>] {
        let n = size * size
        return (0..<count).map { c in
            q[(c * n)..<((c + 1) * n)].withUnsafeBufferPointer {
                HaloField<T>(field: $0, size: size, halo: neighbourhood.haloWidth)
            }
        }
    }

    /// Writes the scaled inputs of sites `start..<start + count` into `ws.input`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func gather(_ halo: HaloField<T>, shifts: UnsafeBufferPointer<Int>, start: Int, count: Int, into ws: Workspace) {
        let inverse = T(1 / inputScale), n = shifts.count, l = halo.size
        halo.values.withUnsafeBufferPointer { v in
            for r in 0..<count {
                let site = start + r, centre = halo.index(site % l, site / l), row = ws.input + r * n
                for k in 0..<n { row[k] = v[centre + shifts[k]] * inverse }
            }
        }
    }

    /// Forces F_i (site i = x + L·y) of `count` configurations stored flat, [count × L·L].
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
        try validateLattice(size: size)
        return try assembleForces(
            q, count: count, size: size, readout: readout, holstein: holstein, lattice: lattice,
            electronNumberProjection: electronNumberProjection,
            startingFrom: startingFrom
        ) {
            try self.networkOutputs(configurations: $0, count: $1, size: size)
        }
    }

    /// The perceptron's raw outputs for every site of `count` configurations.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func networkOutputs(configurations q: [Double], count: Int, size: Int) throws -> [Double] {
        try validateLattice(size: size)
        let n = size * size
        guard q.count == count * n else {
            throw ForceModelError("configurations have \(q.count) values, expected \(count) × \(size)×\(size)")
        }
        guard q.allSatisfy({ $0.isFinite }) else { throw ForceModelError("configuration contains a non-finite value") }
        let chunk = chunkRows, chunksPer = (n + chunk - 1) / chunk
        let halos = halos(q, count: count, size: size), shifts = shifts(stride: size + 2 * neighbourhood.haloWidth)
        let workspaces = makeWorkspaces()
        var out = [Double](repeating: 0, count: count * n)
        var scratch = [T](repeating: 0, count: Self.gradientSlots * chunk)
        parameters.withUnsafeBufferPointer { p in
            shifts.withUnsafeBufferPointer { sh in
                out.withUnsafeMutableBufferPointer { dst in
                    scratch.withUnsafeMutableBufferPointer { tmp in
                        let shared = Unchecked(
                            (p.baseAddress!, sh, dst.baseAddress!, tmp.baseAddress!, workspaces, halos))
                        forEachItem(count * chunksPer) { slot, item in
                            let (p, sh, dst, tmp, workspaces, halos) = shared.value
                            let c = item / chunksPer, start = (item % chunksPer) * chunk, sites = min(chunk, n - start)
                            let ws = workspaces[slot], out = tmp + slot * chunk
                            self.gather(halos[c], shifts: sh, start: start, count: sites, into: ws)
                            self.forwardChunk(ws, p, count: sites, output: out)
                            for i in 0..<sites { dst[c * n + start + i] = Double(out[i]) }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Forces of one configuration (L·L values, site i = x + L·y).
    public func forces(configuration q: [Double], size: Int) throws -> [Double] {
        try forces(configurations: q, count: 1, size: size)
    }

    /// Mean squared force error over every site of `count` configurations and its gradient with
    /// respect to the parameters: loss = (1/(count·N)) Σ (F_i − target_i)².
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func lossAndGradients(
        configurations q: [Double], targets: [Double], count: Int, size: Int
    ) throws
        -> (loss: Double, gradient: [T])
    {
        try validateLattice(size: size)
        let n = size * size
        guard q.count == count * n, targets.count == count * n, count > 0 else {
            throw ForceModelError(
                "need \(count) × \(n) configuration and target values, got \(q.count) and \(targets.count)")
        }
        guard q.allSatisfy({ $0.isFinite }) else { throw ForceModelError("configuration contains a non-finite value") }
        var networkTargets = targets
        if readout.addsElasticForce {
            try addElasticForces(
                q, count: count, size: size, lattice: lattice, holstein: holstein, to: &networkTargets, sign: -1)
        }
        let targetsT = networkTargets.map { T($0) }
        let chunk = chunkRows, chunksPer = (n + chunk - 1) / chunk
        let halos = halos(q, count: count, size: size), shifts = shifts(stride: size + 2 * neighbourhood.haloWidth)
        let workspaces = makeWorkspaces()
        let pc = parameterCount
        var slots = [T](repeating: 0, count: Self.gradientSlots * pc)
        var scratch = [T](repeating: 0, count: Self.gradientSlots * 2 * chunk)
        var losses = [Double](repeating: 0, count: Self.gradientSlots)
        let scale = 2 / T(count * n)
        parameters.withUnsafeBufferPointer { p in
            shifts.withUnsafeBufferPointer { sh in
                slots.withUnsafeMutableBufferPointer { g in
                    scratch.withUnsafeMutableBufferPointer { tmp in
                        losses.withUnsafeMutableBufferPointer { loss in
                            targetsT.withUnsafeBufferPointer { target in
                                let shared = Unchecked(
                                    (
                                        p.baseAddress!, sh, g.baseAddress!, tmp.baseAddress!, loss.baseAddress!,
                                        target.baseAddress!, workspaces, halos
                                    ))
                                forEachItem(count * chunksPer) { slot, item in
                                    let (p, sh, g, tmp, loss, target, workspaces, halos) = shared.value
                                    let c = item / chunksPer, start = (item % chunksPer) * chunk,
                                        sites = min(chunk, n - start)
                                    let ws = workspaces[slot], out = tmp + slot * 2 * chunk, dOut = out + chunk
                                    self.gather(halos[c], shifts: sh, start: start, count: sites, into: ws)
                                    self.forwardChunk(ws, p, count: sites, output: out)
                                    var sum = 0.0
                                    for i in 0..<sites {
                                        let error = out[i] - target[c * n + start + i]
                                        sum += Double(error) * Double(error)
                                        dOut[i] = scale * error
                                    }
                                    loss[slot] += sum
                                    self.backwardChunk(
                                        ws, p, count: sites, outputGradient: dOut, gradient: g + slot * pc)
                                }
                            }
                        }
                    }
                }
            }
        }
        var total = [T](slots[0..<pc])
        for s in 1..<Self.gradientSlots { for i in 0..<pc { total[i] += slots[s * pc + i] } }
        return (losses.reduce(0, +) / Double(count * n), total)
    }

}
