/// Adam (Kingma & Ba) on a flat parameter vector, with checkpointable state.

import ENN
import ForceModels
import Foundation
import IO

/// Adam with bias correction: m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g², θ ← θ − lr·m̂/(√v̂ +
/// ε).
///
/// The state (moments and step count) is `Codable` and can be saved to / restored from an `.npz`
/// (`archive()` / `init(archive:)`), so training resumes exactly where it stopped.
public struct AdamOptimizer<T: ModelScalar>: Codable, Equatable, Sendable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    /// Number of steps taken.
    public private(set) var step: Int
    public private(set) var firstMoment: [T]
    public private(set) var secondMoment: [T]

    public init(
        parameterCount: Int, learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        step = 0
        firstMoment = [T](repeating: 0, count: parameterCount)
        secondMoment = [T](repeating: 0, count: parameterCount)
    }

    /// One update of `parameters` with `gradients` (same length as the state).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public mutating func step(parameters: inout [T], gradients: [T]) throws {
        guard parameters.count == firstMoment.count, gradients.count == firstMoment.count else {
            throw ForceModelError(
                """
                Adam state holds \(firstMoment.count) parameters, got \(parameters.count) parameters and \
                \(gradients.count) gradients
                """
            )
        }
        step += 1
        let b1 = T(beta1), b2 = T(beta2)
        let c1 = T(1 / (1 - Foundation.pow(beta1, Double(step)))), c2 = T(1 / (1 - Foundation.pow(beta2, Double(step))))
        let lr = T(learningRate), eps = T(epsilon)
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                parameters.withUnsafeMutableBufferPointer { p in
                    gradients.withUnsafeBufferPointer { g in
                        for i in 0..<p.count {
                            m[i] = b1 * m[i] + (1 - b1) * g[i]
                            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                            p[i] -= lr * (m[i] * c1) / ((v[i] * c2).squareRoot() + eps)
                        }
                    }
                }
            }
        }
    }

    /// The state as `.npz` arrays: `adam_m`, `adam_v` (dtype of T), `adam_step` (int64, 0-d) and
    /// `adam_hyper` (float64 [learning rate, β1, β2, ε]).
    public func archive() -> NPZArchive {
        NPZArchive(arrays: [
            "adam_m": NumPyArray(firstMoment), "adam_v": NumPyArray(secondMoment),
            "adam_step": NumPyArray(scalar: Int64(step)),
            "adam_hyper": NumPyArray([learningRate, beta1, beta2, epsilon]),
        ])
    }

    /// Writes the state as an `.npz` file (atomically).
    public func write(to url: URL) throws {
        do { try archive().write(to: url) } catch let error as NumPyError { throw ForceModelError("\(error)") }
    }

    /// Reads a state written by `write(to:)`.
    public init(contentsOf url: URL) throws {
        do { try self.init(archive: try NPZArchive(contentsOf: url)) } catch let error as NumPyError {
            throw ForceModelError("cannot read Adam state: \(error)")
        }
    }

    /// Restores a state written by `archive()`; throws on missing members, wrong dtypes or shapes.
    public init(archive: NPZArchive) throws {
        do {
            let m: [T] = try archive.values("adam_m")
            let v: [T] = try archive.values("adam_v", shape: [m.count])
            let step = try archive.array("adam_step", shape: []).widenedToInt64s()[0]
            let hyper = try archive.values("adam_hyper", as: Double.self, shape: [4])
            guard step >= 0, hyper.allSatisfy({ $0.isFinite }) else {
                throw ForceModelError("Adam state has a negative step or non-finite hyper-parameters")
            }
            learningRate = hyper[0]
            beta1 = hyper[1]
            beta2 = hyper[2]
            epsilon = hyper[3]
            self.step = Int(step)
            firstMoment = m
            secondMoment = v
        } catch let error as NumPyError { throw ForceModelError("invalid Adam state: \(error)") }
    }
}
