// The thermal noise scheme of a run directory: new runs use the counter-based normals (and say so in
// params.json); directories without the key keep the sequential generator and resume bit for bit.

import Dynamics
import ForceFields
import Foundation
import RandomNumbers
import Testing

@Suite("Thermal noise scheme in run directories")
struct ThermalNoiseTests {
    @Test("a new run records thermalNoise = counter-philox4x32-10; its noise leaves the state's generator untouched")
    func newRunsUseCounterNoise() throws {
        let field = try HarmonicForceField(size: 6)
        let url = temporaryURL("counter")
        let parameters = smallParameters(field, steps: 40, checkpointEvery: 20)
        #expect(parameters.thermalNoise == .counter)
        _ = try Simulation.create(at: url, parameters: parameters).run(forceField: field)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: url.appendingPathComponent("params.json")))
                as? [String: Any])
        #expect(json["thermalNoise"] as? String == "counter-philox4x32-10")
        // The same trajectory integrated by hand with the counter scheme: identical final velocities.
        var langevinState = try DynamicsState(
            size: 6, coordinates: [Double](repeating: 0.3, count: 36), velocities: [Double](repeating: 0, count: 36),
            generator: Xoshiro256(seed: 1))
        let integrator = try LangevinIntegrator(parameters: parameters.langevin, noise: .counter, noiseSeed: 9)
        try integrator.evaluateForces(&langevinState, forceField: field)
        let generatorBefore = langevinState.generator
        try integrator.step(&langevinState, forceField: field)
        #expect(langevinState.generator == generatorBefore)
    }

    @Test(
        "a directory without the key (written before the counter scheme) keeps the sequential noise and resumes exactly"
    )
    func legacyDirectoriesResume() throws {
        let field = try HarmonicForceField(size: 6)
        var parameters = smallParameters(field, steps: 120, runs: 2, checkpointEvery: 40)
        parameters.thermalNoise = nil
        #expect(parameters.noise == .sequential)
        let whole = temporaryURL("legacy-whole"), pieces = temporaryURL("legacy-pieces")
        _ = try Simulation.create(at: whole, parameters: parameters).run(forceField: field)
        let paramsText = try String(contentsOf: whole.appendingPathComponent("params.json"), encoding: .utf8)
        #expect(!paramsText.contains("thermalNoise"))
        _ = try Simulation.create(at: pieces, parameters: parameters).run(forceField: field, until: 50)
        let reopened = try Simulation.open(at: pieces)
        #expect(reopened.parameters.noise == .sequential)
        _ = try reopened.run(forceField: field)
        try expectIdenticalOutput(whole, pieces)
        // The counter scheme from the same seed gives another trajectory (the schemes really differ).
        var counter = parameters
        counter.thermalNoise = .counter
        let other = temporaryURL("legacy-counter")
        _ = try Simulation.create(at: other, parameters: counter).run(forceField: field)
        let last = "run-000/snapshots/step-00000100.npz"
        #expect(
            try Data(contentsOf: whole.appendingPathComponent(last))
                != Data(contentsOf: other.appendingPathComponent(last)))
    }
}
