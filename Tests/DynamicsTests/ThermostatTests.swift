import Dynamics
import ForceFieldInterface
import Foundation
import RandomNumbers
import Testing

@Suite("Ornstein–Uhlenbeck velocity refresh")
struct ThermostatTests {
    let parameters = LangevinParameters(mass: 5, damping: 0.2, timeStep: 0.05, temperature: 0.1)
    let count = 200_000

    func moments(_ before: [Double], _ after: [Double]) -> (variance: Double, correlation: Double) {
        let n = Double(before.count)
        let varAfter = after.reduce(0) { $0 + $1 * $1 } / n
        let varBefore = before.reduce(0) { $0 + $1 * $1 } / n
        let cross = zip(before, after).reduce(0) { $0 + $1.0 * $1.1 } / n
        return (varAfter, cross / (varAfter * varBefore).squareRoot())
    }

    @Test("a = e^{−γ dt} and noise variance (1 − a²) kT/m")
    func coefficients() {
        let t = OrnsteinUhlenbeckThermostat(parameters: parameters)
        #expect(abs(t.decay - exp(-0.01)) < 1e-15)
        #expect(abs(t.noiseStandardDeviation * t.noiseStandardDeviation - (1 - exp(-0.02)) * 0.1 / 5) < 1e-15)
    }

    @Test("From the Maxwell distribution: variance stays kT/m, lag-one correlation is a")
    func stationary() {
        var generator = Xoshiro256(seed: 11)
        let kTm = parameters.temperature / parameters.mass
        let before = generator.normals(count, standardDeviation: kTm.squareRoot())
        var after = before
        let thermostat = OrnsteinUhlenbeckThermostat(parameters: parameters)
        after.withUnsafeMutableBufferPointer { thermostat.refresh($0, generator: &generator) }
        let (variance, correlation) = moments(before, after)
        // Standard errors: variance √(2/n) relative, correlation (1 − a²)/√n.
        #expect(abs(variance / kTm - 1) < 4 * (2 / Double(count)).squareRoot())
        #expect(abs(correlation - thermostat.decay) < 4 / Double(count).squareRoot())
    }

    @Test("From rest: variance (1 − a²) kT/m after one refresh and (1 − a^{2k}) kT/m after k")
    func fromRest() {
        let p = LangevinParameters(mass: 2, damping: 1.5, timeStep: 0.1, temperature: 0.3)
        let thermostat = OrnsteinUhlenbeckThermostat(parameters: p)
        var generator = Xoshiro256(seed: 12)
        var v = [Double](repeating: 0, count: count)
        let kTm = p.temperature / p.mass, a2 = thermostat.decay * thermostat.decay
        for k in 1...3 {
            v.withUnsafeMutableBufferPointer { thermostat.refresh($0, generator: &generator) }
            let expected = (1 - pow(a2, Double(k))) * kTm
            let variance = v.reduce(0) { $0 + $1 * $1 } / Double(count)
            #expect(abs(variance / expected - 1) < 4 * (2 / Double(count)).squareRoot(), "k = \(k)")
        }
    }

    @Test("No noise at kT = 0 (pure damping) and none at all at γ = 0; no numbers drawn")
    func noiseless() {
        var generator = Xoshiro256(seed: 13)
        let reference = generator
        var v: [Double] = [1, -2, 3]
        let cold = OrnsteinUhlenbeckThermostat(parameters: LangevinParameters(temperature: 0))
        v.withUnsafeMutableBufferPointer { cold.refresh($0, generator: &generator) }
        #expect(v == [1, -2, 3].map { $0 * cold.decay })
        let frictionless = OrnsteinUhlenbeckThermostat(parameters: LangevinParameters(damping: 0))
        let copy = v
        v.withUnsafeMutableBufferPointer { frictionless.refresh($0, generator: &generator) }
        #expect(v == copy && generator == reference)
    }

    @Test(
        "Invalid Langevin parameters are rejected",
        arguments: [
            LangevinParameters(mass: 0), LangevinParameters(damping: -1), LangevinParameters(timeStep: -0.05),
            LangevinParameters(timeStep: .nan), LangevinParameters(temperature: -0.1),
            LangevinParameters(temperature: .infinity),
        ])
    func invalid(parameters: LangevinParameters) {
        #expect(throws: DynamicsError.self) { try parameters.validate() }
        #expect(throws: DynamicsError.self) { try LangevinIntegrator(parameters: parameters) }
    }
}
