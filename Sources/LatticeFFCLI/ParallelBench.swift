import ArgumentParser
import ForceFieldInterface
import Foundation
import Parallel

/// `latticeff bench parallel`: the communication of a domain-decomposed step under `mpirun -n K` — the halo
/// exchange of row blocks and the global reduction — timed per call, with the received halos checked against
/// the lattice they were cut from. Run without mpirun it measures the single-rank wrap-around (no messages).
struct ParallelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parallel",
        abstract: "Halo exchange and global reductions of a row-block decomposition under mpirun (µs per call).",
        discussion: """
            Launch as `mpirun -n K latticeff bench parallel` (as root add --allow-run-as-root; more ranks than \
            cores: --oversubscribe). Each rank owns a block of rows of an L × L lattice; per call: the halo \
            exchange (non-blocking sends and receives of HALO rows with both neighbours) and the reduction of \
            L per-row sums (gathered in row order, the same bits for every K). Every exchange is checked: the \
            halo must hold the neighbours' rows of a known field. See docs/PARALLEL.md.
            """)

    enum Defaults: BenchDefaults {
        static let sizes: String? = "400,1000", minimumSize = 2, repeats: Int? = 200
    }
    @OptionGroup var options: BenchOptions<Defaults>
    @Option(help: "Halo rows on each side (the force field's reach; 3 for the shipped models).")
    var halo = 3
    @Option(
        help: """
            Also time whole decomposed Langevin steps (simulate --decompose) with these forces (cluster:R, \
            harmonic or an equivariant-network MODEL.npz): per step, compute, halo exchange and reductions.
            """,
        transform: ForceFieldSpec.init(parsing:))
    var forces: ForceFieldSpec?
    @Option(help: "Timed steps per size with --forces (after 3 warm-up steps).")
    var steps = 10
    @Option(help: "Worker threads per rank with --forces (default: the rank's share of the node's cores).")
    var workerThreads: Int?

    func validate() throws {
        guard halo >= 1 else { throw ValidationError("--halo must be ≥ 1, got \(halo)") }
        guard steps >= 1 else { throw ValidationError("--steps must be ≥ 1, got \(steps)") }
        if let workerThreads, workerThreads < 1 {
            throw ValidationError("--worker-threads must be ≥ 1, got \(workerThreads)")
        }
    }

    struct Result: Codable, Equatable {
        var size: Int, ranks: Int, halo: Int
        var rowsPerRank: [Int]
        var haloBytesPerMessage: Int
        var haloExchangeMicroseconds: Double
        var reductionMicroseconds: Double
        var haloCheck: String
        /// Whole decomposed steps with `--forces`.
        var steps: DecomposedStepTiming?
    }

    func run() throws {
        let world = try Communicator.world()
        if world.isRoot { options.printHeader() }
        var results: [Result] = []
        for size in options.parsedSizes ?? [] {
            let blocks = try RowBlocks(size: size, parts: world.size, halo: halo)
            var result = try measure(blocks: blocks, world: world)
            if world.isRoot {
                options.line(
                    String(
                        format: "L=%-5d ranks=%d halo=%d rows  exchange %8.1f µs (%d bytes per message)  "
                            + "reduction %8.1f µs  halos %@", size, world.size, halo,
                        result.haloExchangeMicroseconds, result.haloBytesPerMessage, result.reductionMicroseconds,
                        result.haloCheck))
            }
            if let forces {
                let t = try measureSteps(forces: forces, size: size, steps: steps, warmUp: 3, world: world)
                result.steps = t
                if world.isRoot {
                    options.line(
                        String(
                            format: "L=%-5d ranks=%d %@: %.4f s/step = compute %.4f + halo %.0f µs + %.1f reductions "
                                + "%.0f µs (%.3g sites/s per rank)", size, world.size, "\(forces)", t.secondsPerStep,
                            t.computeSecondsPerStep, t.haloMicrosecondsPerStep, t.reductionsPerStep,
                            t.reductionMicrosecondsPerStep, t.sitesPerSecondPerRank))
                }
            }
            results.append(result)
        }
        if world.isRoot { try options.finish(results) }
    }

    /// The value of the test field at row y, column x.
    private static func field(_ y: Int, _ x: Int) -> Double { Double(y) * 1e4 + Double(x) }

    private func measure(blocks: RowBlocks, world: Communicator) throws -> Result {
        let size = blocks.size, own = blocks.rows(world.rank)
        let values = own.flatMap { y in (0..<size).map { Self.field(y, $0) } }
        let expectedBefore = blocks.rowsWithHalo(world.rank).prefix(halo).flatMap { y in
            (0..<size).map { Self.field(y, $0) }
        }
        let expectedAfter = blocks.rowsWithHalo(world.rank).suffix(halo).flatMap { y in
            (0..<size).map { Self.field(y, $0) }
        }
        var exchange: [Double] = [], reduction: [Double] = []
        var good = true
        let rowSums = own.map { y in (0..<size).reduce(0.0) { $0 + Self.field(y, $1) } }
        for _ in 0..<options.repeats {
            try world.barrier()
            var start = DispatchTime.now().uptimeNanoseconds
            let halos = try world.finish(try world.startHaloExchange(values, width: size, blocks: blocks))
            exchange.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3)
            good = good && halos.before == expectedBefore && halos.after == expectedAfter
            start = DispatchTime.now().uptimeNanoseconds
            _ = try world.allGather(rowSums).flatMap { $0 }.reduce(0, +)
            reduction.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3)
        }
        let allGood = try world.maximum([good ? 0 : 1])[0] == 0
        let worst = try world.maximum([median(exchange), median(reduction)])
        return Result(
            size: size, ranks: world.size, halo: halo, rowsPerRank: (0..<world.size).map { blocks.rows($0).count },
            haloBytesPerMessage: halo * size * 8, haloExchangeMicroseconds: worst[0], reductionMicroseconds: worst[1],
            haloCheck: allGood ? "ok" : "WRONG")
    }
}

/// The median of non-empty `values`.
private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : 0.5 * (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2])
}
