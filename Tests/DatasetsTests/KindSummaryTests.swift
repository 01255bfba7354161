import Datasets
import HolsteinModel
import Testing

@Suite("ForceDataset.kindSummaries")
struct KindSummaryTests {
    @Test("Counts, force spread and step range per kind, in the order of ConfigurationKind.allCases")
    func summaries() throws {
        // L = 2: two quench snapshots (forces ±2 around 1: std 2) and one random configuration (all 5: std 0).
        let quench = [3.0, -1, 3, -1], random = [5.0, 5, 5, 5]
        let data = try ForceDataset(
            size: 2, q: [Double](repeating: 0, count: 12), forces: quench + random + quench,
            densities: [Double](repeating: 0.5, count: 12), kinds: [.quench, .random, .quench],
            steps: [40, -1, 10], metadata: DatasetMetadata(holstein: HolsteinParameters()))
        let summaries = data.kindSummaries
        #expect(summaries.map(\.kind) == [.random, .quench])
        #expect(summaries[0] == KindSummary(kind: .random, count: 1, forceStandardDeviation: 0, steps: nil))
        #expect(
            summaries[1].count == 2 && abs(summaries[1].forceStandardDeviation - 2) < 1e-15
                && summaries[1].steps == 10...40)
    }
}
