/// Perceptrons far beyond the machine are refused before allocating (and before any size overflows `Int`).

import Baselines
import IO
import Testing

@Suite("Oversized perceptrons are refused before allocating")
struct MLPMemoryLimitTests {
    /// Under a scoped 64 GiB budget, never the machine's own (unknown or overridden, it would let these through).
    @Test("Huge widths or radius: the estimate and the limit, one line")
    func oversized() throws {
        MemoryBudget.$scoped.withValue(MemoryBudget(availableBytes: 64 << 30)) { oversizedUnderBudget() }
    }

    func oversizedUnderBudget() {
        #expect {
            try MultilayerPerceptron<Float>(radius: 2, hiddenWidths: [1 << 40, 1 << 40], seed: 1)
        } throws: { error in
            "\(error)".hasPrefix("a perceptron of 1.21e+24 parameters needs ≈ ")
        }
        #expect {
            try MultilayerPerceptron<Float>(radius: 1e6, hiddenWidths: [4], seed: 1)
        } throws: { error in
            "\(error)".hasPrefix("a neighbourhood of radius 1000000.0 (≈ 3.14e+12 sites) needs ≈ ")
        }
    }
}
