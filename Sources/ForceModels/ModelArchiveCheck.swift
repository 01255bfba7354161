/// The first check of every model file: its metadata against its weight arrays, before anything is built
/// from the metadata (a network's size comes from the metadata; the arrays are what the file really holds).

import IO

/// What a model file's metadata claims about its weights.
public struct DeclaredWeights: Sendable {
    /// Weight-array names in flat-parameter order.
    public var parameterOrder: [String]
    /// Total number of weights.
    public var parameterCount: Int
    /// Every layer width the metadata gives (hidden, auxiliary, neighbourhood size), flattened.
    public var widths: [Int]
    /// Neighbourhood radius (lattice spacings).
    public var radius: Double

    public init(parameterOrder: [String], parameterCount: Int, widths: [Int], radius: Double) {
        self.parameterOrder = parameterOrder
        self.parameterCount = parameterCount
        self.widths = widths
        self.radius = radius
    }

    /// Why `archive`'s arrays disagree with these claims, or `nil` when they agree: the array names are
    /// exactly `parameterOrder`, every array is float32, their element counts sum to `parameterCount`,
    /// every width lies in 0…`parameterCount`, and the radius is finite with r² ≤ 4·`parameterCount` + 100
    /// (every model has at least about one weight per orbit of its neighbourhood, ≈ π r²/8 of them).
    /// After this, building the architecture costs at most O(`parameterCount`) memory and the weight
    /// arithmetic cannot overflow `Int`. Cost O(number of arrays).
    public func mismatch(with archive: NPZArchive) -> String? {
        guard Set(parameterOrder).count == parameterOrder.count else { return "parameterOrder lists a name twice" }
        let known = Set(parameterOrder)
        if let unknown = archive.arrays.keys.sorted().first(where: { !known.contains($0) }) {
            return "unexpected array '\(unknown)'"
        }
        var total = 0
        for name in parameterOrder {
            guard let array = archive.arrays[name] else { return "missing weight array '\(name)'" }
            guard array.dtype == .float32 else {
                return "array '\(name)' has dtype \(array.dtype.rawValue), expected float32"
            }
            total += array.count
        }
        guard total == parameterCount else {
            return "metadata parameterCount \(parameterCount) disagrees with the \(total) weights in the arrays"
        }
        if let width = widths.first(where: { $0 < 0 || $0 > parameterCount }) {
            return "metadata width \(width) is impossible for a model of \(parameterCount) weights"
        }
        guard radius.isFinite, radius >= 0, radius * radius <= 4 * Double(parameterCount) + 100 else {
            return "metadata radius \(radius) is impossible for a model of \(parameterCount) weights"
        }
        return nil
    }
}
