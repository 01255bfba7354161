// Non-blocking point-to-point messages (MPI_Isend / MPI_Irecv) of Double arrays: the halo rows of a
// domain-decomposed lattice, overlapped with interior work.

import CMPI

/// One message in flight. The buffer lives as long as the transfer; `Communicator.wait(_:)` completes it.
public final class Transfer: @unchecked Sendable {
    fileprivate var request: MPI_Request?
    fileprivate let buffer: UnsafeMutableBufferPointer<Double>
    /// Number of values.
    public let count: Int
    /// True for a receive (its values are the result), false for a send.
    public let isReceive: Bool

    fileprivate init(count: Int, isReceive: Bool) {
        buffer = .allocate(capacity: max(count, 1))
        buffer.initialize(repeating: 0)
        self.count = count
        self.isReceive = isReceive
    }

    deinit { buffer.deallocate() }

    /// The values (a receive: valid after `wait`).
    public var values: [Double] { Array(buffer.prefix(count)) }
}

extension Communicator {
    /// Starts sending `values` to rank `destination` with `tag`; complete it with `wait`.
    /// - Throws: `ParallelError` for the singleton (no other rank) or an MPI failure.
    public func startSend(_ values: [Double], to destination: Int, tag: Int) throws -> Transfer {
        try requirePeer(destination)
        let transfer = Transfer(count: values.count, isReceive: false)
        _ = transfer.buffer.initialize(from: values)
        var request = latticeff_mpi_request_null()
        let code = MPI_Isend(
            transfer.buffer.baseAddress, Int32(values.count), latticeff_mpi_double(), Int32(destination), Int32(tag),
            latticeff_mpi_comm_world(), &request)
        guard code == latticeff_mpi_success() else {
            throw ParallelError("MPI_Isend to rank \(destination) failed: \(Self.message(code))")
        }
        transfer.request = request
        return transfer
    }

    /// Starts receiving `count` values from rank `source` with `tag`; complete it with `wait`.
    public func startReceive(count: Int, from source: Int, tag: Int) throws -> Transfer {
        try requirePeer(source)
        let transfer = Transfer(count: count, isReceive: true)
        var request = latticeff_mpi_request_null()
        let code = MPI_Irecv(
            transfer.buffer.baseAddress, Int32(count), latticeff_mpi_double(), Int32(source), Int32(tag),
            latticeff_mpi_comm_world(), &request)
        guard code == latticeff_mpi_success() else {
            throw ParallelError("MPI_Irecv from rank \(source) failed: \(Self.message(code))")
        }
        transfer.request = request
        return transfer
    }

    /// Completes every transfer (MPI_Waitall); receives then hold their values.
    public func wait(_ transfers: [Transfer]) throws {
        guard !transfers.isEmpty else { return }
        var requests = transfers.map { $0.request ?? latticeff_mpi_request_null() }
        let code = MPI_Waitall(Int32(requests.count), &requests, latticeff_mpi_statuses_ignore())
        guard code == latticeff_mpi_success() else { throw ParallelError("MPI_Waitall failed: \(Self.message(code))") }
        for transfer in transfers { transfer.request = nil }
    }

    private func requirePeer(_ other: Int) throws {
        guard usesMPI, other >= 0, other < size else {
            throw ParallelError("no rank \(other) in a job of \(size) process(es)")
        }
    }
}
