/// Networks far beyond the machine are refused before allocating: their weights, and the dense basis of a
/// huge neighbourhood.

import ENN
import ForceModels
import IO
import Testing

@Suite("Oversized networks are refused before allocating")
struct NetworkMemoryLimitTests {
    /// Both tests run under a scoped 64 GiB budget, never the machine's own (unknown or overridden, it would let
    /// these allocations through).
    @Test("Widths whose weights need petabytes: the estimate and the limit, one line")
    func hugeWidths() throws {
        MemoryBudget.$scoped.withValue(MemoryBudget(availableBytes: 64 << 30)) { hugeWidthsUnderBudget() }
    }

    func hugeWidthsUnderBudget() {
        #expect {
            try EquivariantNetwork<Float>(
                configuration: NetworkConfiguration(hiddenWidths: [[100_000], [100_000], [4]]), seed: 1)
        } throws: { error in
            let text = "\(error)"
            return error is MemoryLimitError && text.hasPrefix("a network of ")
                && text.contains(" parameters needs ≈ ")
                && text.hasSuffix("(override with --ignore-memory-limit)")
        }
        #expect(throws: ForceModelError.self) {
            try EquivariantNetwork<Float>(
                configuration: NetworkConfiguration(hiddenWidths: [[2_000_000], [4], [4]]), seed: 1)
        }
    }

    @Test("A radius whose neighbourhood basis needs a petabyte is refused before the neighbourhood is built")
    func hugeRadius() throws {
        MemoryBudget.$scoped.withValue(MemoryBudget(availableBytes: 64 << 30)) {
            #expect {
                try NetworkStructure(configuration: NetworkConfiguration(radius: 2000))
            } throws: { error in
                "\(error)".hasPrefix(
                    "the features of radius 2000.0 (≈ 1.26e+07 sites, a dense sites² basis) needs ≈ ")
            }
        }
    }
}
