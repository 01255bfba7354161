// The in-memory NumPy array: a shape plus one typed, C-ordered (row-major) buffer.

/// A dense NumPy array of one of the supported dtypes, in C (row-major) order.
///
/// `storage` holds `count == shape.reduce(1, *)` elements, the last index varying fastest; a 0-d array
/// (`shape == []`) holds exactly one element. The shape/count invariant is checked by every initialiser.
/// Arrays read from a file remember where they came from, so the errors thrown by the accessors
/// (`doubles()`, `requireShape(_:)`, …) name that file; this origin takes no part in `==`.
public struct NumPyArray: Sendable, Equatable {
    /// The element types a `.npy` file may hold here, with their NumPy names.
    public enum DType: String, Sendable, CaseIterable {
        case float64, float32, int32, int64, bool

        /// The little-endian NumPy descriptor written to files: `<f8`, `<f4`, `<i4`, `<i8`, `|b1`.
        public var descr: String {
            switch self {
            case .float64: return "<f8"
            case .float32: return "<f4"
            case .int32: return "<i4"
            case .int64: return "<i8"
            case .bool: return "|b1"
            }
        }

        /// Bytes per element.
        public var itemSize: Int {
            switch self {
            case .float64, .int64: return 8
            case .float32, .int32: return 4
            case .bool: return 1
            }
        }

        /// E.g. `float64 (<f8)`, as used in error messages.
        public var label: String { "\(rawValue) (\(descr))" }
    }

    /// The elements, flattened in C order.
    public enum Storage: Sendable, Equatable {
        case float64([Double])
        case float32([Float])
        case int32([Int32])
        case int64([Int64])
        case bool([Bool])

        /// The number of elements.
        public var count: Int {
            switch self {
            case .float64(let v): return v.count
            case .float32(let v): return v.count
            case .int32(let v): return v.count
            case .int64(let v): return v.count
            case .bool(let v): return v.count
            }
        }

        /// The dtype of the elements.
        public var dtype: DType {
            switch self {
            case .float64: return .float64
            case .float32: return .float32
            case .int32: return .int32
            case .int64: return .int64
            case .bool: return .bool
            }
        }
    }

    /// Where an array was read from, for error messages.
    struct Origin: Sendable {
        var path: String?
        var member: String?
    }

    /// The extent of each axis, outermost first; `[]` for a 0-d scalar.
    public private(set) var shape: [Int]
    /// The elements in C order.
    public private(set) var storage: Storage
    /// The file (and `.npz` member) this array was read from; not part of equality.
    var origin: Origin?

    /// An array of `shape` holding `storage` in C order.
    /// - Throws: `NumPyError.Kind.invalidArray` if a dimension is negative or `storage.count` is not the
    ///   product of `shape` (1 for `shape == []`).
    public init(shape: [Int], storage: Storage) throws {
        let count = try Self.elementCount(of: shape)
        guard count == storage.count else {
            throw NumPyError(
                .invalidArray(
                    "shape \(NumPyError.shapeString(shape)) needs \(count) elements, "
                        + "got \(storage.count)"))
        }
        self.shape = shape
        self.storage = storage
    }

    /// An array of `shape` holding `values` in C order (see `init(shape:storage:)`).
    public init<Element: NumPyElement>(_ values: [Element], shape: [Int]) throws {
        try self.init(shape: shape, storage: Element.storage(values))
    }

    /// A 1-d array of shape `(values.count,)`.
    public init<Element: NumPyElement>(_ values: [Element]) {
        shape = [values.count]
        storage = Element.storage(values)
    }

    /// A 0-d array (shape `()`) holding one value.
    public init<Element: NumPyElement>(scalar value: Element) {
        shape = []
        storage = Element.storage([value])
    }

    public static func == (lhs: NumPyArray, rhs: NumPyArray) -> Bool {
        lhs.shape == rhs.shape && lhs.storage == rhs.storage
    }

    /// The element type.
    public var dtype: DType { storage.dtype }
    /// The number of elements (the product of `shape`; 1 for a 0-d array).
    public var count: Int { storage.count }
    /// The number of axes (`shape.count`).
    public var rank: Int { shape.count }

    // MARK: typed access

    /// The elements in C order, if the dtype is exactly `Element`'s; no conversion is done.
    /// - Throws: `NumPyError.Kind.dtypeMismatch` naming both dtypes.
    public func values<Element: NumPyElement>(as type: Element.Type = Element.self) throws -> [Element] {
        guard let values = Element.values(in: storage) else {
            throw error(.dtypeMismatch(expected: Element.dtype.label, found: dtype.label))
        }
        return values
    }

    /// The elements of a float64 array, in C order (float32 is rejected: see `widenedToDoubles()`).
    public func doubles() throws -> [Double] { try values(as: Double.self) }
    /// The elements of a float32 array, in C order.
    public func floats() throws -> [Float] { try values(as: Float.self) }
    /// The elements of an int32 array, in C order.
    public func int32s() throws -> [Int32] { try values(as: Int32.self) }
    /// The elements of an int64 array, in C order (int32 is rejected: see `widenedToInt64s()`).
    public func int64s() throws -> [Int64] { try values(as: Int64.self) }
    /// The elements of a bool array, in C order.
    public func bools() throws -> [Bool] { try values(as: Bool.self) }

    /// The elements as `Double`, converting float32 and int32 exactly; int64 and bool are rejected.
    public func widenedToDoubles() throws -> [Double] {
        switch storage {
        case .float64(let v): return v
        case .float32(let v): return v.map(Double.init)
        case .int32(let v): return v.map(Double.init)
        case .int64, .bool: throw error(.dtypeMismatch(expected: "float64, float32 or int32", found: dtype.label))
        }
    }

    /// The elements as `Int64`, converting int32 exactly; other dtypes are rejected.
    public func widenedToInt64s() throws -> [Int64] {
        switch storage {
        case .int64(let v): return v
        case .int32(let v): return v.map(Int64.init)
        default: throw error(.dtypeMismatch(expected: "int64 or int32", found: dtype.label))
        }
    }

    // MARK: validation

    /// Returns `self` if its shape is `expected`; a negative entry in `expected` matches any extent.
    /// - Throws: `NumPyError.Kind.shapeMismatch` (naming the source file, if any, and both shapes).
    @discardableResult
    public func requireShape(_ expected: [Int]) throws -> NumPyArray {
        let matches = expected.count == shape.count && zip(expected, shape).allSatisfy { $0 < 0 || $0 == $1 }
        guard matches else { throw error(.shapeMismatch(expected: expected, found: shape)) }
        return self
    }

    /// Returns `self` if it has `expected` axes.
    /// - Throws: `NumPyError.Kind.rankMismatch` (naming the source file, if any).
    @discardableResult
    public func requireRank(_ expected: Int) throws -> NumPyArray {
        guard expected == rank else { throw error(.rankMismatch(expected: expected, found: rank)) }
        return self
    }

    /// An error located at this array's origin.
    func error(_ kind: NumPyError.Kind) -> NumPyError {
        NumPyError(kind, path: origin?.path, member: origin?.member)
    }

    /// The product of `shape`, checking for negative extents and overflow.
    static func elementCount(of shape: [Int]) throws -> Int {
        var count = 1
        for extent in shape {
            guard extent >= 0 else {
                throw NumPyError(.invalidArray("negative dimension in shape \(NumPyError.shapeString(shape))"))
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw NumPyError(.invalidArray("shape \(NumPyError.shapeString(shape)) is too large"))
            }
            count = product
        }
        return count
    }
}

/// A Swift type that is exactly one NumPy dtype: `Double` (float64), `Float` (float32), `Int32`, `Int64`, `Bool`.
public protocol NumPyElement: Sendable {
    /// The NumPy dtype of this type.
    static var dtype: NumPyArray.DType { get }
    /// Wraps values as storage.
    static func storage(_ values: [Self]) -> NumPyArray.Storage
    /// The values, if `storage` holds this type.
    static func values(in storage: NumPyArray.Storage) -> [Self]?
}

extension Double: NumPyElement {
    public static var dtype: NumPyArray.DType { .float64 }
    public static func storage(_ values: [Double]) -> NumPyArray.Storage { .float64(values) }
    public static func values(in storage: NumPyArray.Storage) -> [Double]? {
        if case .float64(let v) = storage { return v } else { return nil }
    }
}

extension Float: NumPyElement {
    public static var dtype: NumPyArray.DType { .float32 }
    public static func storage(_ values: [Float]) -> NumPyArray.Storage { .float32(values) }
    public static func values(in storage: NumPyArray.Storage) -> [Float]? {
        if case .float32(let v) = storage { return v } else { return nil }
    }
}

extension Int32: NumPyElement {
    public static var dtype: NumPyArray.DType { .int32 }
    public static func storage(_ values: [Int32]) -> NumPyArray.Storage { .int32(values) }
    public static func values(in storage: NumPyArray.Storage) -> [Int32]? {
        if case .int32(let v) = storage { return v } else { return nil }
    }
}

extension Int64: NumPyElement {
    public static var dtype: NumPyArray.DType { .int64 }
    public static func storage(_ values: [Int64]) -> NumPyArray.Storage { .int64(values) }
    public static func values(in storage: NumPyArray.Storage) -> [Int64]? {
        if case .int64(let v) = storage { return v } else { return nil }
    }
}

extension Bool: NumPyElement {
    public static var dtype: NumPyArray.DType { .bool }
    public static func storage(_ values: [Bool]) -> NumPyArray.Storage { .bool(values) }
    public static func values(in storage: NumPyArray.Storage) -> [Bool]? {
        if case .bool(let v) = storage { return v } else { return nil }
    }
}
