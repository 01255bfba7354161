/// A physics baseline under the network: the local-cluster electronic force, so that the network
/// learns only what the cluster misses (Δ-learning).

import Electronic
import Foundation
import HolsteinModel

/// What the network's output is added to.
///
/// - `none` (the paper's): the network is the whole model.
/// - `cluster(radius: R)`: G_i = G_i^cluster(Q) + network_i(Q), where G_i^cluster = g(⟨n_i⟩ − ½) at
///   μ = 0 from exact diagonalization of the open cluster of sites within R of i
///   (`LocalClusterSolver`). Grand-canonical readout only (both are μ = 0 electronic forces; the
///   fixed-N shift search then shifts the input of both). Equivariance is kept: the cluster is
///   symmetric about its centre.
public enum ForceBaseline: Sendable, Equatable, CustomStringConvertible {
    case none
    case cluster(radius: Double)

    /// Parses "none" or "cluster:R" (R in `LocalClusterRadius.range`, lattice units; e.g.
    /// cluster:2.237 for the 21 sites within √5), as written in model files.
    public init(parsing text: String) throws {
        if text == "none" {
            self = .none
            return
        }
        let radius: Double?
        do { radius = try LocalClusterRadius.parsing(text) } catch let error as ElectronicError {
            throw ForceModelError("baseline \(error.message)")
        }
        guard let radius else {
            throw ForceModelError(
                "unknown baseline '\(text)' (use none or cluster:R, e.g. cluster:2.237 for radius √5)")
        }
        self = .cluster(radius: radius)
    }

    /// "none" or "cluster:R" (the form `init(parsing:)` reads).
    public var description: String {
        switch self {
        case .none: return "none"
        case .cluster(let radius): return "cluster:\(radius)"
        }
    }
}

/// Baseline values of configurations the trainer sees again every epoch, keyed by content.
package final class BaselineCache: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [ConfigurationKey: [Double]] = [:]
    private var bytes = 0
    /// Stop storing beyond this many bytes (the values are then recomputed).
    package let capacityBytes = 1 << 30

    package struct ConfigurationKey: Hashable {
        let size: Int, fnv: UInt64, swift: Int
        package init(_ q: ArraySlice<Double>, size: Int) {
            var fnv: UInt64 = 0xcbf2_9ce4_8422_2325
            var hasher = Hasher()
            for v in q {
                fnv = (fnv ^ v.bitPattern) &* 0x100_0000_01b3
                hasher.combine(v.bitPattern)
            }
            self.size = size
            self.fnv = fnv
            self.swift = hasher.finalize()
        }
    }

    package func value(for key: ConfigurationKey) -> [Double]? {
        lock.lock()
        defer { lock.unlock() }
        return values[key]
    }
    package func store(_ value: [Double], for key: ConfigurationKey) {
        lock.lock()
        defer { lock.unlock() }
        guard values[key] == nil, bytes + value.count * 8 <= capacityBytes else { return }
        values[key] = value
        bytes += value.count * 8
    }
    package func removeAll() {
        lock.lock()
        values = [:]
        bytes = 0
        lock.unlock()
    }
}

/// The cluster spectra of the last few configurations evaluated, found again for the same
/// configuration shifted uniformly (Q + s: the fixed-N search for μ evaluates the model at several
/// shifts of one configuration, and the shift only moves every cluster level by −g·s).
package final class SpectraCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(configuration: [Double], spectra: ClusterSpectra)] = []
    package let capacity = 2

    /// The cached spectra of a configuration equal to `q` up to a uniform shift (within 1e-9), and that shift.
    package func lookup(_ q: ArraySlice<Double>) -> (spectra: ClusterSpectra, shift: Double)? {
        lock.lock()
        defer { lock.unlock() }
        for entry in entries.reversed() where entry.configuration.count == q.count {
            let reference = entry.configuration
            var first = q.startIndex, shift = 0.0
            for j in reference.indices {
                shift += q[first] - reference[j]
                first += 1
            }
            shift /= Double(max(1, reference.count))
            var index = q.startIndex, matches = true
            for j in reference.indices {
                if abs(q[index] - reference[j] - shift) > 1e-9 * (1 + abs(reference[j])) {
                    matches = false
                    break
                }
                index += 1
            }
            if matches { return (entry.spectra, shift) }
        }
        return nil
    }

    package func store(_ q: ArraySlice<Double>, _ spectra: ClusterSpectra) {
        lock.lock()
        defer { lock.unlock() }
        entries.append((Array(q), spectra))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }

    package func removeAll() {
        lock.lock()
        entries = []
        lock.unlock()
    }
}

/// The caches of one model's cluster baseline and its evaluation (shared by every architecture
/// that carries a `ForceBaseline`).
package final class ClusterBaselineCaches: @unchecked Sendable {
    package let values = BaselineCache()
    package let spectra = SpectraCache()
    package init() {}

    package func removeAll() {
        values.removeAll()
        spectra.removeAll()
    }

    /// G^cluster of `count` configurations ([count × L·L], flat) by `solver`. `cached`: reuse
    /// values of configurations seen before (training epochs); otherwise the spectra of the last
    /// configurations are kept, so that the fixed-N search for μ, which evaluates one configuration
    /// at several uniform shifts, diagonalizes its clusters once.
    package func outputs(
        _ q: [Double], count: Int, size: Int, solver: LocalClusterSolver, cached: Bool, threads: Int
    ) throws
        -> [Double]
    {
        let n = size * size
        var out: [Double] = []
        out.reserveCapacity(count * n)
        for c in 0..<count {
            let slice = q[(c * n)..<((c + 1) * n)]
            let key = cached ? BaselineCache.ConfigurationKey(slice, size: size) : nil
            if let key, let hit = values.value(for: key) {
                out += hit
                continue
            }
            let value: [Double]
            if let (cachedSpectra, shift) = spectra.lookup(slice) {
                value = cachedSpectra.electronicForces(shift: shift)
            } else {
                let solved: ClusterSpectra
                do {
                    solved = try solver.spectra(Array(slice), size: size, threads: threads)
                } catch let e as ElectronicError {
                    throw ForceModelError(e.message)
                }
                if !cached { spectra.store(slice, solved) }
                value = solved.electronicForces()
            }
            if let key { values.store(value, for: key) }
            out += value
        }
        return out
    }
}

extension ForceBaseline {
    /// The cluster solver of the baseline (nil for `.none`). Throws unless a model with `readout` on
    /// `lattice` can carry it: grand-canonical readout (the cluster force is a μ = 0 electronic
    /// force), square lattice.
    public func solver(
        readout: ForceReadout, lattice: String, holstein: HolsteinParameters
    ) throws -> LocalClusterSolver? {
        guard case .cluster(let radius) = self else { return nil }
        guard readout == .grandCanonical else {
            throw ForceModelError(
                """
                a cluster baseline needs the grand-canonical readout (it is a μ = 0 electronic force), not \
                \(readout.rawValue)
                """
            )
        }
        guard lattice == "square" else { throw ForceModelError("a cluster baseline needs the square lattice") }
        var atZero = holstein
        atZero.filling = .fixedChemicalPotential(0)
        do {
            return try LocalClusterSolver(radius: radius, parameters: atZero)
        } catch let e as ElectronicError {
            throw ForceModelError(e.message)
        }
    }
}
