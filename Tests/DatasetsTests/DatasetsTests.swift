import Datasets
import Foundation
import HolsteinModel
import IO
import TestSupport
import Testing

@Suite("Datasets: files, splits, metrics")
struct DatasetsTests {
    func sample(count: Int = 3, size L: Int = 4) throws -> ForceDataset {
        var r = TestRandom(seed: 11)
        let n = count * L * L
        return try ForceDataset(
            size: L, q: r.field(n), forces: r.field(n), densities: r.field(n).map { 0.5 + 0.4 * $0 },
            kinds: (0..<count).map { $0 == 0 ? .random : .quench },
            steps: (0..<count).map { $0 == 0 ? -1 : Int64(100 * $0) },
            metadata: DatasetMetadata(holstein: HolsteinParameters(temperature: 0.2), generator: ["preset": "test"]))
    }

    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("latticeff-ds-\(UUID().uuidString)-\(name)")
    }

    @Test("Round trip through .npz keeps every array, kind, step and the metadata")
    func roundTrip() throws {
        let data = try sample()
        let url = temporaryFile("d.npz")
        try data.write(to: url)
        #expect(try ForceDataset(contentsOf: url) == data)
    }

    @Test("Missing arrays, wrong dtype or shape, NaN, unknown kinds and empty data are rejected by name")
    func rejectsBadFiles() throws {
        let data = try sample()
        let url = temporaryFile("d.npz")
        try data.write(to: url)
        let good = try NPZArchive(contentsOf: url)
        func expectFailure(_ modify: (inout NPZArchive) throws -> Void, _ fragment: String) throws {
            var archive = good
            try modify(&archive)
            let bad = temporaryFile("bad.npz")
            try archive.write(to: bad)
            do {
                _ = try ForceDataset(contentsOf: bad)
                Issue.record("accepted a file with \(fragment)")
            } catch {
                #expect("\(error)".contains(fragment), "\(error)")
            }
        }
        try expectFailure({ $0.arrays["F"] = nil }, "missing array 'F'")
        try expectFailure(
            { $0.arrays["n"] = try NumPyArray([Float](repeating: 0, count: 48), shape: [3, 4, 4]) }, "float64")
        try expectFailure(
            { $0.arrays["F"] = try NumPyArray([Double](repeating: 0, count: 32), shape: [2, 4, 4]) }, "shape")
        try expectFailure(
            {
                var q = try $0.array("Q").doubles()
                q[5] = .nan
                $0.arrays["Q"] = try NumPyArray(q, shape: [3, 4, 4])
            }, "not finite")
        try expectFailure({ $0.arrays["kind"] = NumPyArray([Int32(0), 7, 1]) }, "unknown kind")
        try expectFailure({ $0.extraFiles["metadata.json"] = Data("{}".utf8) }, "metadata")
        #expect(throws: DatasetError.self) {
            _ = try ForceDataset(size: 4, q: [], forces: [], densities: [], kinds: [], metadata: data.metadata)
        }
    }

    @Test("Every-third split is the paper's 400/200; random splits are seeded and disjoint")
    func splits() throws {
        let paper = DatasetSplit.everyThird(count: 600)
        #expect(paper.training.count == 400 && paper.validation.count == 200)
        #expect(paper.validation.allSatisfy { $0 % 3 == 2 })
        let a = try DatasetSplit.random(count: 50, fraction: 0.2, seed: 3)
        #expect(a == (try DatasetSplit.random(count: 50, fraction: 0.2, seed: 3)))
        #expect(a != (try DatasetSplit.random(count: 50, fraction: 0.2, seed: 4)))
        #expect(a.validation.count == 10 && Set(a.training).isDisjoint(with: a.validation))
        #expect(Set(a.training + a.validation) == Set(0..<50))
        #expect(throws: DatasetError.self) { _ = try DatasetSplit.random(count: 50, fraction: 1.5, seed: 1) }
    }

    @Test("Limited training sets keep the kind mix and the validation set; combining datasets checks L and parameters")
    func limitsAndCombining() throws {
        // The paper's layout: 200 random then 400 quench configurations.
        let paper = DatasetSplit.everyThird(count: 600)
        for k in [25, 50, 100, 200] {
            let limited = try paper.limitingTraining(to: k)
            #expect(limited.training.count == k && Set(limited.training).count == k)
            #expect(Set(limited.training).isSubset(of: paper.training) && limited.validation == paper.validation)
            let random = limited.training.filter { $0 < 200 }.count
            #expect(
                abs(Double(random) / Double(k) - 1.0 / 3.0) <= 1.0 / Double(k) + 1e-12, "k = \(k): \(random) random")
        }
        #expect(try paper.limitingTraining(to: 400) == paper && paper.limitingTraining(to: 1000) == paper)
        #expect(throws: DatasetError.self) { _ = try paper.limitingTraining(to: 0) }

        let a = try sample(count: 3), b = try sample(count: 2)
        let both = try a.appending(b)
        #expect(
            both.count == 5 && both.q == a.q + b.q && both.forces == a.forces + b.forces
                && both.kinds == a.kinds + b.kinds)
        #expect(throws: DatasetError.self) { _ = try a.appending(try sample(count: 2, size: 6)) }
        var other = b
        other.metadata.holstein.temperature = 0.3
        #expect(throws: DatasetError.self) { _ = try a.appending(other) }
    }

    @Test(
        "Shared configurations: bit-identical Q counted once per validation configuration; one ulp or two swapped sites apart is not"
    )
    func sharedConfigurations() throws {
        // sample(3) + sample(2): configurations 3 and 4 repeat 0 and 1 (the same seed).
        let data = try sample(count: 3).appending(try sample(count: 2))
        #expect(data.sharedConfigurations([3, 4], with: [0, 1, 2]) == 2)
        #expect(data.sharedConfigurations([2, 3], with: [0, 1]) == 1)
        #expect(data.sharedConfigurations([0], with: [1, 2]) == 0)
        #expect(data.sharedConfigurations([3, 4], with: []) == 0)
        let n = data.siteCount
        var nudged = data
        nudged.q[3 * n + 5] = nudged.q[3 * n + 5].nextUp
        nudged.q.swapAt(4 * n + 1, 4 * n + 2)
        #expect(nudged.sharedConfigurations([3, 4], with: [0, 1, 2]) == 0)
    }

    @Test("Metrics: σ_δ is the two-pass standard deviation of δ; perfect prediction gives R² = 1")
    func metrics() {
        var r = TestRandom(seed: 5)
        let exact = r.field(1000).map { 3 * $0 }
        let predicted = exact.map { $0 + 0.1 + 0.05 * r.next() }
        let m = ForceErrorMetrics(predicted: predicted, exact: exact)
        let delta = zip(predicted, exact).map { $0 - $1 }
        let mean = delta.reduce(0, +) / Double(delta.count)
        let std = (delta.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(delta.count)).squareRoot()
        #expect(abs(m.sigmaDelta - std) < 1e-12)
        #expect(abs(m.meanDelta - mean) < 1e-12)
        #expect(abs(m.rmse - (std * std + mean * mean).squareRoot()) < 1e-12)
        #expect(m.maxError == delta.map(abs).max()!)
        let perfect = ForceErrorMetrics(predicted: exact, exact: exact)
        #expect(perfect.rSquared == 1 && perfect.rmse == 0 && perfect.sigmaDelta == 0)
        #expect(perfect.medianAbsError == 0 && perfect.p99AbsError == 0 && perfect.top1PercentShare == 0)
    }

    @Test("Metrics: error quantiles and the worst-1 % share of Σδ² follow from their definitions")
    func tailMetrics() {
        // 200 components: 198 errors of 0.1, two of 1 → the worst 1 % (2 components) carry 2/(2 + 1.98).
        let exact = [Double](repeating: 0.5, count: 200)
        var predicted = exact.map { $0 + 0.1 }
        predicted[17] = 1.5
        predicted[130] = -0.5
        let m = ForceErrorMetrics(predicted: predicted, exact: exact)
        #expect(abs(m.medianAbsError - 0.1) < 1e-12)
        #expect(abs(m.p99AbsError - 0.1) < 1e-12)  // rank 198 of 200
        #expect(abs(m.top1PercentShare - 2 / 3.98) < 1e-12)
        #expect(m.maxError == 1)
        // Uniform errors: the worst 1 % carry exactly 1 %; odd count: the median is the middle value.
        let uniform = ForceErrorMetrics(
            predicted: [Double](repeating: 0.3, count: 301), exact: [Double](repeating: 0, count: 301))
        #expect(abs(uniform.top1PercentShare - 3.0 / 301) < 1e-12)
        let odd = ForceErrorMetrics(predicted: [0.0, 2, -1], exact: [0, 0, 0])
        #expect(odd.medianAbsError == 1 && odd.p99AbsError == 2)
    }
}
