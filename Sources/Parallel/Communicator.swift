// The thin facade over Open MPI (module CMPI): one world communicator for the whole process, or a singleton
// (rank 0 of 1) that never touches MPI when the program was not started by `mpirun`/`srun`.

import CMPI
import Foundation

/// A failure of an MPI call: the call and Open MPI's error string, one line.
public struct ParallelError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The processes of this job (MPI_COMM_WORLD) and the collective operations LatticeFF uses. Every collective
/// must be called by every rank in the same order, from the thread that started MPI (MPI_THREAD_FUNNELED).
/// Without a launcher the communicator is a singleton: rank 0 of 1, every operation local.
///
/// Cost: one call is a few µs on one node (latency); data moves at memory or network bandwidth.
public final class Communicator: @unchecked Sendable {
    /// This process's rank, 0 ..< size.
    public let rank: Int
    /// Number of processes.
    public let size: Int
    /// True when MPI was initialized (started under a launcher), false for the singleton.
    public let usesMPI: Bool

    private init(rank: Int, size: Int, usesMPI: Bool) {
        self.rank = rank
        self.size = size
        self.usesMPI = usesMPI
    }

    /// Rank 0 (writes files, prints progress).
    public var isRoot: Bool { rank == 0 }

    nonisolated(unsafe) private static var started: Communicator?
    private static let lock = NSLock()

    /// True when the environment shows a launcher started this process as part of a job (Open MPI's
    /// `mpirun`, PMIx, Slurm's PMI): only then is MPI initialized.
    public static var launchedByMPI: Bool { launchedByMPI(environment: ProcessInfo.processInfo.environment) }

    /// `launchedByMPI` for the given environment variables.
    public static func launchedByMPI(environment: [String: String]) -> Bool {
        ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    /// The job's communicator, started on first use (MPI_Init_thread with MPI_THREAD_FUNNELED under a launcher,
    /// the singleton otherwise); later calls return the same instance.
    /// - Throws: `ParallelError` when MPI cannot start or does not provide the funneled thread level.
    public static func world() throws -> Communicator {
        lock.lock()
        defer { lock.unlock() }
        if let started { return started }
        guard launchedByMPI else {
            let single = Communicator(rank: 0, size: 1, usesMPI: false)
            started = single
            return single
        }
        var provided: Int32 = 0
        let code = MPI_Init_thread(nil, nil, latticeff_mpi_thread_funneled(), &provided)
        guard code == latticeff_mpi_success() else { throw ParallelError("MPI_Init_thread failed: \(message(code))") }
        guard provided >= latticeff_mpi_thread_funneled() else {
            MPI_Abort(latticeff_mpi_comm_world(), 1)
            throw ParallelError("MPI provides thread level \(provided), LatticeFF needs MPI_THREAD_FUNNELED")
        }
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(latticeff_mpi_comm_world(), &rank)
        MPI_Comm_size(latticeff_mpi_comm_world(), &size)
        let world = Communicator(rank: Int(rank), size: Int(size), usesMPI: true)
        started = world
        return world
    }

    /// Ends MPI (MPI_Finalize) if it was started; call once at exit, after the last collective.
    public func finalize() {
        guard usesMPI else { return }
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized == 0 { MPI_Finalize() }
    }

    /// Ends every rank of the job with `code` after printing `message` (one line) on this rank's standard
    /// error. Used when one rank fails and the others may be waiting in a collective: never a hang.
    public func abort(message: String, code: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        if usesMPI { MPI_Abort(latticeff_mpi_comm_world(), code) }
        exit(code)
    }

    /// Waits until every rank has arrived.
    public func barrier() throws {
        guard usesMPI else { return }
        try check(MPI_Barrier(latticeff_mpi_comm_world()), "MPI_Barrier")
    }

    /// Waits until every rank has arrived, sleeping between polls (MPI_Ibarrier, MPI_Test every `pollSeconds`)
    /// instead of Open MPI's busy wait: for ranks that wait while another computes for minutes, so that the
    /// waiting ranks leave their cores to the working ones. Costs up to `pollSeconds` of extra latency.
    public func idleBarrier(pollSeconds: Double = 0.005) throws {
        guard usesMPI else { return }
        var request = latticeff_mpi_request_null()
        try check(MPI_Ibarrier(latticeff_mpi_comm_world(), &request), "MPI_Ibarrier")
        var done: Int32 = 0
        while true {
            try check(MPI_Test(&request, &done, latticeff_mpi_status_ignore()), "MPI_Test")
            if done != 0 { return }
            usleep(useconds_t(pollSeconds * 1e6))
        }
    }

    /// Processes of this job on this node: Open MPI's `OMPI_COMM_WORLD_LOCAL_SIZE`, else Slurm's
    /// `SLURM_NTASKS_PER_NODE` when it is a single number, else 1.
    public static func ranksOnThisNode(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        for key in ["OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE"] {
            if let text = environment[key], let count = Int(text), count >= 1 { return count }
        }
        return 1
    }

    /// Cores this process may use: the machine's active cores divided among the ranks on this node, at least 1
    /// (all of them outside a launcher). Cost O(1).
    public static func coresPerRank(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        cores: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> Int {
        let ranks = launchedByMPI(environment: environment) ? ranksOnThisNode(environment: environment) : 1
        return max(1, cores / ranks)
    }

    /// Rank `root`'s bytes on every rank (the others' `bytes` are replaced; their sizes need not match).
    public func broadcast(_ bytes: inout [UInt8], root: Int = 0) throws {
        guard usesMPI else { return }
        var count = Int64(bytes.count)
        try check(MPI_Bcast(&count, 1, latticeff_mpi_int64(), Int32(root), latticeff_mpi_comm_world()), "MPI_Bcast")
        if rank != root { bytes = [UInt8](repeating: 0, count: Int(count)) }
        try bytes.withUnsafeMutableBytes { buffer in
            try check(
                MPI_Bcast(
                    buffer.baseAddress, Int32(count), latticeff_mpi_byte(), Int32(root), latticeff_mpi_comm_world()),
                "MPI_Bcast")
        }
    }

    /// Rank `root`'s values on every rank.
    public func broadcast(_ values: inout [Double], root: Int = 0) throws {
        var bytes = values.withUnsafeBytes { [UInt8]($0) }
        try broadcast(&bytes, root: root)
        values = bytes.withUnsafeBytes { [Double]($0.bindMemory(to: Double.self)) }
    }

    /// Every rank's `values` (counts may differ), in rank order, on every rank.
    public func allGather(_ values: [Double]) throws -> [[Double]] {
        guard usesMPI else { return [values] }
        let (receiveCounts, offsets) = try gatheredLayout(count: values.count)
        var all = [Double](repeating: 0, count: Int(receiveCounts.reduce(0, +)))
        var send = values
        try check(
            MPI_Allgatherv(
                &send, Int32(values.count), latticeff_mpi_double(), &all, receiveCounts, offsets,
                latticeff_mpi_double(), latticeff_mpi_comm_world()), "MPI_Allgatherv")
        return Self.split(all, counts: receiveCounts, offsets: offsets)
    }

    /// Every rank's `values` (counts may differ), in rank order, on rank `root` only (nil elsewhere): for what one
    /// rank writes, so the others never hold the whole.
    public func gather(_ values: [Double], root: Int = 0) throws -> [[Double]]? {
        guard usesMPI else { return [values] }
        let (receiveCounts, offsets) = try gatheredLayout(count: values.count)
        let isRoot = rank == root
        var all = [Double](repeating: 0, count: isRoot ? Int(receiveCounts.reduce(0, +)) : 1)
        var send = values
        try check(
            MPI_Gatherv(
                &send, Int32(values.count), latticeff_mpi_double(), &all, receiveCounts, offsets,
                latticeff_mpi_double(), Int32(root), latticeff_mpi_comm_world()), "MPI_Gatherv")
        guard isRoot else { return nil }
        return Self.split(all, counts: receiveCounts, offsets: offsets)
    }

    /// Every rank's value count (`count` here) and where its values start in the rank-ordered concatenation.
    private func gatheredLayout(count: Int) throws -> (counts: [Int32], offsets: [Int32]) {
        var mine = Int64(count)
        var counts = [Int64](repeating: 0, count: size)
        try check(
            MPI_Allgather(
                &mine, 1, latticeff_mpi_int64(), &counts, 1, latticeff_mpi_int64(), latticeff_mpi_comm_world()),
            "MPI_Allgather")
        let receiveCounts = counts.map { Int32($0) }
        var offsets = [Int32](repeating: 0, count: size)
        for r in 1..<max(size, 1) { offsets[r] = offsets[r - 1] + receiveCounts[r - 1] }
        return (receiveCounts, offsets)
    }

    /// The rank-ordered concatenation `all` cut back into one array per rank.
    private static func split(_ all: [Double], counts: [Int32], offsets: [Int32]) -> [[Double]] {
        counts.indices.map { r in Array(all[Int(offsets[r])..<Int(offsets[r] + counts[r])]) }
    }

    /// Element-wise sums over ranks, added in rank order on every rank (the same bits for the same per-rank
    /// inputs whatever MPI's reduction tree; an allgather, so meant for short arrays).
    public func sumInRankOrder(_ values: [Double]) throws -> [Double] {
        let all = try allGather(values)
        guard let first = all.first else { return [] }
        var total = first
        for part in all.dropFirst() {
            guard part.count == total.count else {
                throw ParallelError("sumInRankOrder: ranks passed \(total.count) and \(part.count) values")
            }
            for i in total.indices { total[i] += part[i] }
        }
        return total
    }

    /// Element-wise maximum over ranks (MPI_Allreduce with MPI_MAX; exact, order-independent).
    public func maximum(_ values: [Double]) throws -> [Double] {
        guard usesMPI else { return values }
        var send = values, result = [Double](repeating: 0, count: values.count)
        try check(
            MPI_Allreduce(
                &send, &result, Int32(values.count), latticeff_mpi_double(), latticeff_mpi_max(),
                latticeff_mpi_comm_world()), "MPI_Allreduce")
        return result
    }

    private func check(_ code: Int32, _ call: String) throws {
        guard code != latticeff_mpi_success() else { return }
        throw ParallelError("\(call) failed on rank \(rank): \(Self.message(code))")
    }

    /// Open MPI's text for an error code.
    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        let bytes = buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
