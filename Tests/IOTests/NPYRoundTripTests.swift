// Swift → Swift `.npy` round trips, the exact bytes of the encoding, and the large-array fast path.

import Foundation
import TestSupport
import Testing

@testable import IO

@Suite struct NPYRoundTripTests {
    @Test(arguments: NumPyArray.DType.allCases, Samples.shapes)
    func roundTripsInMemory(dtype: NumPyArray.DType, shape: [Int]) throws {
        let array = try Samples.array(dtype, shape: shape)
        let data = array.npyData()
        #expect(data.count % 64 == (array.count * dtype.itemSize) % 64, "data must start 64-byte aligned")
        let decoded = try NumPyArray(npyData: data)
        #expect(decoded == array)
        #expect(decoded.shape == shape)
        #expect(decoded.dtype == dtype)
    }

    @Test(arguments: NumPyArray.DType.allCases)
    func roundTripsThroughAFile(dtype: NumPyArray.DType) throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("a.npy")
        let array = try Samples.array(dtype, shape: [2, 3, 4])
        try array.write(to: url)
        #expect(try NumPyArray(contentsOf: url) == array)
        #expect(try directory.contents() == ["a.npy"], "no temporary file may be left behind")
    }

    @Test func headerIsNumPysVersion1Layout() throws {
        let data = try NumPyArray([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], shape: [2, 3]).npyData()
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        #expect(Array(data.prefix(8)) == [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0])
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: data[10..<10 + headerLength], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(header.hasSuffix(" \n"))
        #expect(data.count == 10 + headerLength + 48)
    }

    @Test func hugeHeaderIsWrittenAsVersion2() throws {
        let shape = [Int](repeating: 1, count: 25_000)  // "1, " × 25000 > 65535 header bytes
        let array = try NumPyArray([42.0], shape: shape)
        let data = array.npyData()
        #expect(data[6] == 2 && data[7] == 0)
        let headerLength = (0..<4).reduce(0) { $0 | Int(data[8 + $1]) << (8 * $1) }
        #expect(headerLength > 65535)
        #expect((12 + headerLength) % 64 == 0)
        #expect(try NumPyArray(npyData: data) == array)
    }

    @Test func scalarsAndEmptyArrays() throws {
        let scalar = NumPyArray(scalar: Int64(-9))
        #expect(scalar.shape == [] && scalar.count == 1 && scalar.rank == 0)
        #expect(try NumPyArray(npyData: scalar.npyData()).int64s() == [-9])

        let empty = try NumPyArray([Float](), shape: [4, 0, 2])
        let decoded = try NumPyArray(npyData: empty.npyData())
        #expect(decoded.shape == [4, 0, 2] && decoded.count == 0 && decoded.dtype == .float32)
    }

    @Test func specialFloatValuesKeepTheirBits() throws {
        let values: [Double] = [
            .nan, -.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude,
            .greatestFiniteMagnitude,
        ]
        let decoded = try NumPyArray(npyData: NumPyArray(values).npyData()).doubles()
        #expect(decoded.map(\.bitPattern) == values.map(\.bitPattern))
        let floats: [Float] = [.nan, .infinity, -0.0, .leastNonzeroMagnitude]
        let decodedFloats = try NumPyArray(npyData: NumPyArray(floats).npyData()).floats()
        #expect(decodedFloats.map(\.bitPattern) == floats.map(\.bitPattern))
    }

    @Test func largeFloatArrayRoundTripsQuickly() throws {
        let directory = try TemporaryDirectory()
        let count = 200 * 200 * 100
        let values = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer[index] = Double(index) * 1e-3 }
            initialized = count
        }
        let array = try NumPyArray(values, shape: [200, 200, 100])
        let url = directory.file("big.npy")
        let clock = ContinuousClock()
        var decoded: NumPyArray?
        let elapsed = try clock.measure {
            try array.write(to: url)
            decoded = try NumPyArray(contentsOf: url)
        }
        #expect(decoded == array)
        #expect(elapsed < .seconds(1), "200×200×100 float64 round trip took \(elapsed)")
    }

    @Test func typedAccessorsAndWidening() throws {
        let floats = NumPyArray([Float(1.5), -2])
        #expect(try floats.floats() == [1.5, -2])
        #expect(try floats.widenedToDoubles() == [1.5, -2])
        #expect(try NumPyArray([Int32(7), -8]).widenedToDoubles() == [7, -8])
        #expect(try NumPyArray([Int32(7), -8]).widenedToInt64s() == [7, -8])
        #expect(try NumPyArray([true, false]).bools() == [true, false])
        #expect(try NumPyArray([Int32(3)]).values(as: Int32.self) == [3])
        let error = #expect(throws: NumPyError.self) { try NumPyArray([Int64(1)]).widenedToDoubles() }
        #expect(error?.kind == .dtypeMismatch(expected: "float64, float32 or int32", found: "int64 (<i8)"))
        #expect(throws: NumPyError.self) { try NumPyArray([true]).widenedToInt64s() }
    }

    @Test func shapeAndRankRequirements() throws {
        let array = try NumPyArray([Double](repeating: 0, count: 12), shape: [3, 4])
        #expect(try array.requireShape([3, 4]) == array)
        #expect(try array.requireShape([-1, 4]).shape == [3, 4])
        #expect(try array.requireRank(2).rank == 2)
        let error = #expect(throws: NumPyError.self) { try array.requireShape([4, 3]) }
        #expect(error?.description == "<array>: shape mismatch: expected (4, 3), found (3, 4)")
        let rankError = #expect(throws: NumPyError.self) { try array.requireRank(1) }
        #expect(rankError?.kind == .rankMismatch(expected: 1, found: 2))
    }

    @Test func initialisersCheckTheShape() throws {
        let error = #expect(throws: NumPyError.self) { try NumPyArray([1.0, 2.0], shape: [3]) }
        #expect(error?.description == "<array>: invalid array: shape (3,) needs 3 elements, got 2")
        #expect(throws: NumPyError.self) { try NumPyArray([Double](), shape: [-1]) }
        #expect(throws: NumPyError.self) { try NumPyArray(shape: [], storage: .bool([])) }
        #expect(try NumPyArray(shape: [], storage: .bool([true])).bools() == [true])
    }
}
