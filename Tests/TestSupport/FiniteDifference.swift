/// The one central-difference gradient check of the test suite: analytic derivatives (network
/// gradients, ED forces = −∂F/∂Q, harmonic forces = −∂Φ/∂Q) against (f(x + h) − f(x − h)) / 2h.

import Foundation

/// How far a central difference may sit from an analytic derivative. The error of component i is
/// |numeric − analytic| / scale_i, with scale_i = max(|numeric_i|, |analytic_i|, floor) for
/// `.eachComponent` and max(max_j |analytic_j|, floor) for `.largestComponent`.
public struct DerivativeTolerance: Sendable, CustomStringConvertible {
    public enum Scale: Sendable { case eachComponent, largestComponent }
    public let relative: Double
    public let floor: Double
    public let scale: Scale
    public let name: String

    public init(relative: Double, floor: Double, scale: Scale, name: String) {
        self.relative = relative
        self.floor = floor
        self.scale = scale
        self.name = name
    }

    /// Network gradients in float64 (ENN, MLP, heads, output scale): with h ≈ 1e-5 the truncation
    /// error h²f‴/6 is ~1e-11 and rounding ε|f|/h ~1e-11, so each component must agree to 1e-6 of
    /// its own size; below 1e-3 the comparison turns absolute (1e-9), where a tiny derivative would
    /// otherwise demand digits the difference quotient does not have. A missing term, factor or
    /// sign gives O(1).
    public static let float64Network = DerivativeTolerance(
        relative: 1e-6, floor: 1e-3, scale: .eachComponent, name: "float64Network")

    /// ED forces against the free energy (F at fixed N, Ω at fixed μ) in float64: the free energy sums
    /// N ≤ 64 eigenvalues, each with error ~ε‖H‖ ≈ 2e-15, so rounding in the quotient is ≲ 1e-8
    /// (N·ε‖H‖/2h)
    /// and truncation (T ≥ 0.1 keeps f‴ moderate) ~1e-10; 1e-6 of the largest force bounds both with
    /// margin, while a force missing a term (the μ or elastic part) is off by O(1).
    public static let freeEnergy = DerivativeTolerance(
        relative: 1e-6, floor: 1e-3, scale: .largestComponent, name: "freeEnergy")

    /// A quadratic potential: its central difference has no truncation error at all, only rounding
    /// ε|Φ|/h ≈ 1e-10, so forces must match to 1e-8 of the largest force (at least 1).
    public static let quadratic = DerivativeTolerance(
        relative: 1e-8, floor: 1, scale: .largestComponent, name: "quadratic")

    public var description: String { "\(name) (\(relative), floor \(floor))" }
}

/// One compared component of a finite-difference check.
public struct DerivativeComparison: Sendable, CustomStringConvertible {
    public let index: Int
    public let analytic: Double
    public let numeric: Double
    /// |numeric − analytic| / scale (see `DerivativeTolerance`).
    public let error: Double
    public var description: String {
        "[\(index)] analytic \(analytic) vs finite difference \(numeric) (error \(error))"
    }
}

/// The outcome of a finite-difference check: every compared component and the worst one.
public struct FiniteDifferenceCheck: Sendable, CustomStringConvertible {
    public let tolerance: DerivativeTolerance
    public let step: Double
    public let comparisons: [DerivativeComparison]

    public var worst: DerivativeComparison? { comparisons.max { $0.error < $1.error } }
    /// Every component within the tolerance, and at least one compared.
    public var passes: Bool { !comparisons.isEmpty && comparisons.allSatisfy { $0.error <= tolerance.relative } }
    public var failures: [DerivativeComparison] { comparisons.filter { $0.error > tolerance.relative } }

    public var description: String {
        let head = "\(comparisons.count) central differences (h = \(step)), tolerance \(tolerance)"
        guard let worst else { return head + ": nothing compared" }
        let failed = failures.prefix(5).map(\.description).joined(separator: "; ")
        return head + ", worst \(worst)" + (failed.isEmpty ? "" : "; failing: \(failed)")
    }
}

/// Central differences and their comparison with analytic derivatives.
public enum FiniteDifference {
    /// The step for a precision: ε^(1/3) balances the truncation error (∝ h²) against rounding
    /// (∝ ε/h); rounded up to a power of ten: 1e-5 for Double, 1e-2 for Float.
    public static func step<T: BinaryFloatingPoint>(for _: T.Type) -> T {
        T(pow(10, (log10(Double(T.ulpOfOne)) / 3).rounded(.up)))
    }

    /// Compares `analytic[i]` with (f(+h) − f(−h)) / 2h for every i in `indices`, where
    /// `valueShifted(i, δ)` is f with component i moved by δ (and must leave it restored).
    public static func check<T: BinaryFloatingPoint>(
        _ analytic: [T], indices: some Sequence<Int>, step h: T = step(for: T.self), tolerance: DerivativeTolerance,
        valueShifted: (_ index: Int, _ shift: T) throws -> T
    ) rethrows -> FiniteDifferenceCheck {
        let largest = analytic.map { abs(Double($0)) }.max() ?? 0
        var comparisons: [DerivativeComparison] = []
        for i in indices {
            let numeric = Double(try valueShifted(i, h) - valueShifted(i, -h)) / (2 * Double(h))
            let exact = Double(analytic[i])
            let scale: Double
            switch tolerance.scale {
            case .eachComponent: scale = max(abs(numeric), abs(exact), tolerance.floor)
            case .largestComponent: scale = max(largest, tolerance.floor)
            }
            let error = abs(numeric - exact) / scale
            comparisons.append(DerivativeComparison(index: i, analytic: exact, numeric: numeric, error: error))
        }
        return FiniteDifferenceCheck(tolerance: tolerance, step: Double(h), comparisons: comparisons)
    }

    /// The gradient of `f` at `point` (a value: f receives a copy with one component moved).
    public static func check<T: BinaryFloatingPoint>(
        _ analytic: [T], at point: [T], indices: some Sequence<Int>, step h: T = step(for: T.self),
        tolerance: DerivativeTolerance, function f: ([T]) throws -> T
    ) rethrows -> FiniteDifferenceCheck {
        var x = point
        return try check(analytic, indices: indices, step: h, tolerance: tolerance) { i, shift in
            x[i] = point[i] + shift
            defer { x[i] = point[i] }
            return try f(x)
        }
    }

    /// The gradient of `f` with respect to the array `root[keyPath: parameters]`, moved in place
    /// (a model's weights) and restored after each evaluation.
    public static func check<Root: AnyObject, T: BinaryFloatingPoint>(
        _ analytic: [T], parametersOf root: Root, _ parameters: ReferenceWritableKeyPath<Root, [T]>,
        indices: some Sequence<Int>, step h: T = step(for: T.self), tolerance: DerivativeTolerance,
        function f: () throws -> T
    ) rethrows -> FiniteDifferenceCheck {
        try check(analytic, indices: indices, step: h, tolerance: tolerance) { i, shift in
            let saved = root[keyPath: parameters][i]
            root[keyPath: parameters][i] = saved + shift
            defer { root[keyPath: parameters][i] = saved }
            return try f()
        }
    }
}
