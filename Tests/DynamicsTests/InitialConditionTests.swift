import Dynamics
import ForceFieldInterface
import Foundation
import IO
import RandomNumbers
import Testing

@Suite("Initial states and observables")
struct InitialConditionTests {
    @Test("Reference hot start: Q std √(5/0.18), v std √(5/m)")
    func hotStart() throws {
        var generator = Xoshiro256(seed: 3)
        let (q, v) = try InitialCondition.referenceHotStart(mass: 5).make(
            size: 100, maxwellStd: 0, generator: &generator)
        let qStd = (q.reduce(0) { $0 + $1 * $1 } / 1e4).squareRoot(),
            vStd = (v.reduce(0) { $0 + $1 * $1 } / 1e4).squareRoot()
        #expect(abs(qStd / (5 / 0.18).squareRoot() - 1) < 0.03 && abs(vStd - 1) < 0.03)
    }

    @Test("Checkerboard: staggered order parameter equals the amplitude without noise; zero is zero")
    func checkerboard() throws {
        var generator = Xoshiro256(seed: 4)
        let amplitude = InitialCondition.orderedAmplitude(coupling: 3.5, stiffness: 1, neighbourCoupling: 0.18)
        #expect(abs(amplitude - 6.25) < 1e-12)
        let (q, v) = try InitialCondition.checkerboard(amplitude: amplitude, noise: 0).make(
            size: 4, maxwellStd: 0.1, generator: &generator)
        var state = try DynamicsState(size: 4, coordinates: q, velocities: v, generator: generator)
        state.densities = [Double](repeating: 0.5, count: 16)
        let row = TimeSeriesRow(state: state, timeStep: 0.05, mass: 5)
        #expect(row.staggeredQ == amplitude && row.meanQ == 0 && row.meanDensity == 0.5 && row.potentialEnergy == nil)
        #expect(abs(row.kineticTemperature - 5 * v.reduce(0) { $0 + $1 * $1 } / 16) < 1e-15)
        #expect(row.csvLine.split(separator: ",", omittingEmptySubsequences: false)[3] == "")
        let zero = try InitialCondition.zero.make(size: 3, maxwellStd: 1, generator: &generator)
        #expect(zero.q == [Double](repeating: 0, count: 9) && zero.v == zero.q)
    }

    @Test("From files: .npy gives Q (thermal v), a snapshot-like .npz gives Q and v")
    func files() throws {
        let dir = temporaryURL("files")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let q = (0..<9).map { Double($0) - 4 }, v = (0..<9).map { 0.1 * Double($0) }
        let npy = dir.appendingPathComponent("q.npy"), npz = dir.appendingPathComponent("state.npz")
        try NumPyArray(q.map(Float.init), shape: [3, 3]).write(to: npy)
        try NPZArchive(arrays: ["Q": try NumPyArray(q, shape: [3, 3]), "v": try NumPyArray(v, shape: [3, 3])]).write(
            to: npz)
        var generator = Xoshiro256(seed: 5)
        let fromNpy = try InitialCondition.file(path: npy.path).make(size: 3, maxwellStd: 0.2, generator: &generator)
        #expect(fromNpy.q == q && fromNpy.v.count == 9 && fromNpy.v.contains { $0 != 0 })
        let fromNpz = try InitialCondition.file(path: npz.path).make(size: 3, maxwellStd: 0.2, generator: &generator)
        #expect(fromNpz.q == q && fromNpz.v == v)
    }

    @Test("Bad initial-state files are rejected with DynamicsError.badInitialState")
    func badFiles() throws {
        let dir = temporaryURL("bad")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let wrongShape = dir.appendingPathComponent("shape.npy"), nan = dir.appendingPathComponent("nan.npy")
        let garbage = dir.appendingPathComponent("garbage.npz"), noQ = dir.appendingPathComponent("noq.npz")
        try NumPyArray([Double](repeating: 0, count: 12), shape: [3, 4]).write(to: wrongShape)
        try NumPyArray([Double](repeating: .nan, count: 9), shape: [3, 3]).write(to: nan)
        try Data("not a zip".utf8).write(to: garbage)
        try NPZArchive(arrays: ["v": try NumPyArray([Double](repeating: 0, count: 9), shape: [3, 3])]).write(to: noQ)
        for url in [wrongShape, nan, garbage, noQ, dir.appendingPathComponent("missing.npy")] {
            #expect(throws: DynamicsError.self, "\(url.lastPathComponent)") {
                try InitialCondition.file(path: url.path).validate(size: 3)
            }
        }
        #expect(throws: DynamicsError.self) { try InitialCondition.random(qStd: -1, vStd: 1).validate(size: 3) }
        // A site energy beyond ±1e8 is refused where there are electrons (g ≠ 0), naming the file and the site.
        let huge = dir.appendingPathComponent("huge.npy")
        try NumPyArray((0..<9).map { $0 == 4 ? 1e9 : 0.5 }, shape: [3, 3]).write(to: huge)
        try InitialCondition.file(path: huge.path).validate(size: 3, coupling: 0)
        do {
            try InitialCondition.file(path: huge.path).validate(size: 3, coupling: 3.5)
            Issue.record("a site energy of 3.5e9 accepted")
        } catch let error as DynamicsError {
            #expect("\(error)".contains("huge.npy") && "\(error)".contains("Q[4]") && "\(error)".contains("beyond"))
        }
    }

    @Test(
        "InitialCondition round-trips through JSON",
        arguments: [
            InitialCondition.random(qStd: 1.5, vStd: 0.5), .zero, .checkerboard(amplitude: 6.25, noise: 0.1),
            .file(path: "/x/y.npz"),
        ])
    func codable(condition: InitialCondition) throws {
        #expect(try JSONDecoder().decode(InitialCondition.self, from: JSONEncoder().encode(condition)) == condition)
    }
}
