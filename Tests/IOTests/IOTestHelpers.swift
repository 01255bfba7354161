// Helpers of the IO tests: hand-made .npy bytes and the sample arrays of the round-trip tests
// (temporary directories and python3 come from TestSupport).

import Foundation
import TestSupport
import Testing

@testable import IO

/// Bytes of a `.npy` file with an arbitrary header text (padded like NumPy's) and payload, for bad-input tests.
func makeNPY(header: String, payload: Data = Data(), version: UInt8 = 1) -> Data {
    var text = Array(header.utf8)
    let lengthFieldSize = version == 1 ? 2 : 4
    while (10 + lengthFieldSize - 2 + text.count + 1) % 64 != 0 { text.append(0x20) }
    text.append(0x0a)
    var data = Data([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0])
    for index in 0..<lengthFieldSize { data.append(UInt8(truncatingIfNeeded: text.count >> (8 * index))) }
    data.append(contentsOf: text)
    data.append(payload)
    return data
}

/// Little-endian bytes of some doubles.
func littleEndianBytes(_ values: [Double]) -> Data {
    var data = Data()
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    return data
}

/// The sample arrays used by round-trip tests: every dtype in shapes (), (0,), (3,), (2, 3, 4).
enum Samples {
    static let shapes: [[Int]] = [[], [0], [3], [2, 3, 4]]

    static func array(_ dtype: NumPyArray.DType, shape: [Int]) throws -> NumPyArray {
        let count = shape.reduce(1, *)
        let indices = (0..<count).map { $0 }
        switch dtype {
        case .float64: return try NumPyArray(indices.map { Double($0) * 0.1 - 1.0 }, shape: shape)
        case .float32: return try NumPyArray(indices.map { Float($0) / 3 - 2 }, shape: shape)
        case .int32: return try NumPyArray(indices.map { Int32($0) * 1_000_003 - 7 }, shape: shape)
        case .int64: return try NumPyArray(indices.map { Int64($0) * 300_000_000_007 - 5 }, shape: shape)
        case .bool: return try NumPyArray(indices.map { $0 % 3 == 1 }, shape: shape)
        }
    }

    /// The same arrays as a Python expression (numpy imported as np).
    static func python(_ dtype: NumPyArray.DType, shape: [Int]) -> String {
        let count = shape.reduce(1, *)
        let pyShape = NumPyError.shapeString(shape)
        let base = "np.arange(\(count), dtype=np.int64)"
        let values: String
        switch dtype {
        case .float64: values = "(\(base).astype(np.float64) * 0.1 - 1.0)"
        case .float32: values = "(\(base).astype(np.float32) / np.float32(3) - np.float32(2))"
        case .int32: values = "(\(base).astype(np.int32) * np.int32(1000003) - np.int32(7))"
        case .int64: values = "(\(base) * 300000000007 - 5)"
        case .bool: values = "(\(base) % 3 == 1)"
        }
        return "\(values).reshape(\(pyShape))"
    }
}
