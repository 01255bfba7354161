/// What `latticeff dataset info` prints per configuration kind: how many, how spread the forces are,
/// and which Langevin steps the snapshots come from.

/// Size and force spread of the configurations of one kind.
public struct KindSummary: Sendable, Equatable {
    public var kind: ConfigurationKind
    /// Number of configurations of this kind.
    public var count: Int
    /// Population standard deviation of all force components F_i of this kind.
    public var forceStandardDeviation: Double
    /// First and last Langevin step of the snapshots; nil when none has a step (random configurations).
    public var steps: ClosedRange<Int64>?

    public init(kind: ConfigurationKind, count: Int, forceStandardDeviation: Double, steps: ClosedRange<Int64>?) {
        self.kind = kind
        self.count = count
        self.forceStandardDeviation = forceStandardDeviation
        self.steps = steps
    }
}

extension ForceDataset {
    /// One summary per kind present, in `ConfigurationKind.allCases` order. Cost O(count · L²).
    public var kindSummaries: [KindSummary] {
        indicesByKind.map { kind, indices in
            let forces = indices.flatMap { slice(self.forces, $0) }
            let mean = forces.reduce(0, +) / Double(forces.count)
            let variance = forces.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(forces.count)
            let snapshotSteps = indices.map { steps[$0] }.filter { $0 >= 0 }
            let range = snapshotSteps.min().map { $0...snapshotSteps.max()! }
            return KindSummary(
                kind: kind, count: indices.count, forceStandardDeviation: variance.squareRoot(), steps: range)
        }
    }
}
