// The MPI facade without a launcher: a singleton whose collectives are the identity, and no MPI call made.

import Testing

@testable import Parallel

@Suite struct CommunicatorTests {
    @Test("without mpirun the world is rank 0 of 1 and never initializes MPI; collectives act locally")
    func singleton() throws {
        #expect(!Communicator.launchedByMPI)
        let world = try Communicator.world()
        #expect(world.rank == 0 && world.size == 1 && world.isRoot && !world.usesMPI)
        #expect(try Communicator.world() === world)
        try world.barrier()
        var bytes: [UInt8] = [1, 2, 3]
        try world.broadcast(&bytes)
        #expect(bytes == [1, 2, 3])
        var values = [0.1, -2.5]
        try world.broadcast(&values)
        #expect(values == [0.1, -2.5])
        #expect(try world.allGather([1, 2]) == [[1, 2]])
        #expect(try world.gather([1, 2]) == [[1, 2]])
        #expect(try world.sumInRankOrder([0.1, 0.2]) == [0.1, 0.2])
        #expect(try world.maximum([3, -1]) == [3, -1])
    }

    @Test("cores per rank: the node's cores shared by the ranks on it (at least 1); all of them without a launcher")
    func coresPerRank() throws {
        #expect(Communicator.coresPerRank(environment: [:], cores: 8) == 8)
        #expect(Communicator.coresPerRank(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "4"], cores: 8) == 8)
        let job = ["OMPI_COMM_WORLD_SIZE": "6", "OMPI_COMM_WORLD_LOCAL_SIZE": "3"]
        #expect(Communicator.coresPerRank(environment: job, cores: 8) == 2)
        #expect(Communicator.coresPerRank(environment: job, cores: 2) == 1)
        #expect(Communicator.ranksOnThisNode(environment: ["SLURM_NTASKS_PER_NODE": "2(x3)"]) == 1)
        #expect(Communicator.ranksOnThisNode(environment: ["PMI_RANK": "0", "SLURM_NTASKS_PER_NODE": "4"]) == 4)
        try Communicator.world().idleBarrier()
    }

    @Test("point-to-point messages need another rank: the singleton refuses them with one line")
    func noPeers() throws {
        let world = try Communicator.world()
        #expect(throws: ParallelError.self) { try world.startSend([1], to: 0, tag: 1) }
        #expect(throws: ParallelError.self) { try world.startReceive(count: 1, from: 1, tag: 1) }
        try world.wait([])
    }
}
