/// Training/validation splits of a dataset.

import RandomNumbers

/// Which configurations train and which validate.
public struct DatasetSplit: Sendable, Equatable, Codable {
    public var training: [Int]
    public var validation: [Int]

    public init(training: [Int], validation: [Int]) {
        self.training = training
        self.validation = validation
    }

    /// The paper's split: every third configuration (index ≡ 2 mod 3) to validation (600 → 400/200).
    public static func everyThird(count: Int) -> DatasetSplit {
        DatasetSplit(training: (0..<count).filter { $0 % 3 != 2 }, validation: (0..<count).filter { $0 % 3 == 2 })
    }

    /// A random split with `fraction` of the configurations (at least one) to validation, seeded.
    public static func random(count: Int, fraction: Double, seed: UInt64) throws -> DatasetSplit {
        guard fraction > 0, fraction < 1 else {
            throw DatasetError("validation fraction must be in (0, 1), got \(fraction)")
        }
        guard count >= 2 else { throw DatasetError("a split needs at least 2 configurations, got \(count)") }
        var generator = Xoshiro256(seed: seed)
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            order.swapAt(i, j)
        }
        let k = min(count - 1, max(1, Int((fraction * Double(count)).rounded())))
        return DatasetSplit(training: Array(order[k...]).sorted(), validation: Array(order[..<k]).sorted())
    }

    /// The same split with only `k` training configurations, spread evenly over the training list
    /// (positions ⌊(i + ½)·N/k⌋), so a smaller set keeps the mix of kinds and of quench times
    /// (learning curves). `k` ≥ N keeps everything.
    public func limitingTraining(to k: Int) throws -> DatasetSplit {
        guard k >= 1 else { throw DatasetError("the training set must keep at least 1 configuration, got \(k)") }
        let n = training.count
        guard k < n else { return self }
        let picked = (0..<k).map { training[Int((Double($0) + 0.5) * Double(n) / Double(k))] }
        return DatasetSplit(training: picked, validation: validation)
    }
}

extension ForceDataset {
    /// How many of the configurations `indices` equal, bit for bit, one of the configurations `others`
    /// (a validation set that repeats training data). Cost: one hash of each configuration's Q.
    public func sharedConfigurations(_ indices: [Int], with others: [Int]) -> Int {
        func key(_ c: Int) -> Int {
            var hasher = Hasher()
            for value in slice(q, c) { hasher.combine(value.bitPattern) }
            return hasher.finalize()
        }
        func same(_ a: Int, _ b: Int) -> Bool {
            slice(q, a).elementsEqual(slice(q, b)) { $0.bitPattern == $1.bitPattern }
        }
        var byKey: [Int: [Int]] = [:]
        for c in others { byKey[key(c), default: []].append(c) }
        return indices.filter { c in byKey[key(c)]?.contains { same(c, $0) } ?? false }.count
    }
}
