/// A physics baseline under the network: the local-cluster electronic force, so that the network
/// learns only what the cluster misses (Δ-learning).
import Electronic
import Foundation

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

    /// Parses "none" or "cluster:R" (1 ≤ R ≤ 6, lattice units; e.g. cluster:2.237 for the 21
    /// sites within √5), as written in model files.
    public init(parsing text: String) throws {
        if text == "none" { self = .none; return }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "cluster" else {
            throw ENNError("unknown baseline '\(text)' (use none or cluster:R, e.g. cluster:2.237 for radius √5)")
        }
        guard let radius = Double(parts[1]), radius.isFinite, radius >= 1, radius <= 6 else {
            throw ENNError("baseline '\(text)': the radius R of cluster:R must be a number from 1 to 6")
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
final class BaselineCache: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [ConfigurationKey: [Double]] = [:]
    private var bytes = 0
    /// Stop storing beyond this many bytes (the values are then recomputed).
    let capacityBytes = 1 << 30

    struct ConfigurationKey: Hashable {
        let size: Int, fnv: UInt64, swift: Int
        init(_ q: ArraySlice<Double>, size: Int) {
            var fnv: UInt64 = 0xcbf2_9ce4_8422_2325
            var hasher = Hasher()
            for v in q {
                fnv = (fnv ^ v.bitPattern) &* 0x100_0000_01b3
                hasher.combine(v.bitPattern)
            }
            self.size = size; self.fnv = fnv; self.swift = hasher.finalize()
        }
    }

    func value(for key: ConfigurationKey) -> [Double]? { lock.lock(); defer { lock.unlock() }; return values[key] }
    func store(_ value: [Double], for key: ConfigurationKey) {
        lock.lock(); defer { lock.unlock() }
        guard values[key] == nil, bytes + value.count * 8 <= capacityBytes else { return }
        values[key] = value; bytes += value.count * 8
    }
    func removeAll() { lock.lock(); values = [:]; bytes = 0; lock.unlock() }
}

/// The cluster spectra of the last few configurations evaluated, found again for the same
/// configuration shifted uniformly (Q + s: the fixed-N search for μ evaluates the model at several
/// shifts of one configuration, and the shift only moves every cluster level by −g·s).
final class SpectraCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(configuration: [Double], spectra: ClusterSpectra)] = []
    let capacity = 2

    /// The cached spectra of a configuration equal to `q` up to a uniform shift (within 1e-9), and that shift.
    func lookup(_ q: ArraySlice<Double>) -> (spectra: ClusterSpectra, shift: Double)? {
        lock.lock(); defer { lock.unlock() }
        for entry in entries.reversed() where entry.configuration.count == q.count {
            let reference = entry.configuration
            var first = q.startIndex, shift = 0.0
            for j in reference.indices { shift += q[first] - reference[j]; first += 1 }
            shift /= Double(max(1, reference.count))
            var index = q.startIndex, matches = true
            for j in reference.indices {
                if abs(q[index] - reference[j] - shift) > 1e-9 * (1 + abs(reference[j])) { matches = false; break }
                index += 1
            }
            if matches { return (entry.spectra, shift) }
        }
        return nil
    }

    func store(_ q: ArraySlice<Double>, _ spectra: ClusterSpectra) {
        lock.lock(); defer { lock.unlock() }
        entries.append((Array(q), spectra))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }

    func removeAll() { lock.lock(); entries = []; lock.unlock() }
}

extension EquivariantNetwork {
    /// The cluster solver of the baseline (nil without one). Throws unless the model can carry it:
    /// grand-canonical readout, square lattice.
    public func baselineSolver() throws -> LocalClusterSolver? {
        guard case .cluster(let radius) = baseline else { return nil }
        guard readout == .grandCanonical else {
            throw ENNError("a cluster baseline needs the grand-canonical readout (it is a μ = 0 electronic force), not \(readout.rawValue)")
        }
        guard configuration.lattice == "square" else { throw ENNError("a cluster baseline needs the square lattice") }
        var atZero = holstein
        atZero.filling = .fixedChemicalPotential(0)
        do { return try LocalClusterSolver(radius: radius, parameters: atZero) } catch let e as ElectronicError { throw ENNError(e.message) }
    }

    /// The baseline G^cluster of `count` configurations ([count × L·L], flat; nil without a
    /// baseline). `cached`: reuse values of configurations seen before (training epochs); otherwise
    /// the spectra of the last configurations are kept, so that the fixed-N search for μ, which
    /// evaluates one configuration at several uniform shifts, diagonalizes its clusters once.
    func baselineOutputs(_ q: [Double], count: Int, size: Int, cached: Bool) throws -> [Double]? {
        guard let solver = try baselineSolver() else { return nil }
        let n = size * size
        var out: [Double] = []
        out.reserveCapacity(count * n)
        for c in 0..<count {
            let slice = q[(c * n)..<((c + 1) * n)]
            let key = cached ? BaselineCache.ConfigurationKey(slice, size: size) : nil
            if let key, let hit = baselineCache.value(for: key) { out += hit; continue }
            let value: [Double]
            if let (spectra, shift) = spectraCache.lookup(slice) {
                value = spectra.electronicForces(shift: shift)
            } else {
                let spectra: ClusterSpectra
                do { spectra = try solver.spectra(Array(slice), size: size, threads: threads) } catch let e as ElectronicError { throw ENNError(e.message) }
                if !cached { spectraCache.store(slice, spectra) }
                value = spectra.electronicForces()
            }
            if let key { baselineCache.store(value, for: key) }
            out += value
        }
        return out
    }
}

extension EquivariantNetwork {
    /// Sets `outputScale` to the RMS of what the network has to learn on these training
    /// configurations (electronic targets minus the baseline; `targets` are total forces as in
    /// `lossAndGradients`), at least 1e-4. Models without a baseline keep scale 1 (the paper's
    /// network). The baseline values computed here are cached for training.
    public func setOutputScale(fromConfigurations q: [Double], targets: [Double], count: Int, size: Int) throws {
        guard baseline != .none else { outputScale = 1; return }
        let n = size * size
        guard q.count == count * n, targets.count == count * n, count > 0 else {
            throw ENNError("need \(count) × \(n) configuration and target values, got \(q.count) and \(targets.count)")
        }
        var remainder = targets
        if readout.addsElasticForce { try addElasticForces(q, count: count, size: size, lattice: configuration.lattice, holstein: holstein, to: &remainder, sign: -1) }
        guard let base = try baselineOutputs(q, count: count, size: size, cached: true) else { return }
        var sum = 0.0
        for i in remainder.indices { let r = remainder[i] - base[i]; sum += r * r }
        outputScale = max(1e-4, (sum / Double(remainder.count)).squareRoot())
    }
}
