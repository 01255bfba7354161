// `.npy` files crossing between Swift and NumPy (python3 with numpy must be installed; absence fails loudly).

import Foundation
import TestSupport
import Testing

@testable import IO

@Suite struct NumPyInteropTests {
    @Test func swiftWrittenFilesLoadInNumPy() throws {
        let directory = try TemporaryDirectory()
        var checks: [String] = []
        for dtype in NumPyArray.DType.allCases {
            for (index, shape) in Samples.shapes.enumerated() {
                let name = "\(dtype.rawValue)_\(index).npy"
                try Samples.array(dtype, shape: shape).write(to: directory.file(name))
                checks.append("check('\(name)', \(Samples.python(dtype, shape: shape)), '\(dtype.descr)')")
            }
        }
        let script = """
            import numpy as np
            def check(name, expected, descr):
                a = np.load(name)
                assert a.dtype.str == descr, (name, a.dtype.str, descr)
                assert a.shape == expected.shape, (name, a.shape, expected.shape)
                assert a.flags.c_contiguous
                assert np.array_equal(a, expected), (name, a, expected)
            \(checks.joined(separator: "\n"))
            print("ok", \(checks.count))
            """
        let output = try runPython(script, in: directory.url)
        #expect(output.contains("ok 20"))
    }

    /// Swift's encoder writes exactly the bytes `np.save` writes (header text, padding, version, data).
    /// NumPy before 1.23 did not pad the header for in-place growth; with such a NumPy only the data must match.
    @Test func encodingIsByteIdenticalToNumPySave() throws {
        let directory = try TemporaryDirectory()
        var lines: [String] = []
        for dtype in NumPyArray.DType.allCases {
            for (index, shape) in Samples.shapes.enumerated() {
                lines.append("np.save('\(dtype.rawValue)_\(index).npy', \(Samples.python(dtype, shape: shape)))")
            }
        }
        lines.append("print('growth-padding', hasattr(np.lib.format, 'GROWTH_AXIS_MAX_DIGITS'))")
        let output = try runPython("import numpy as np\n" + lines.joined(separator: "\n"), in: directory.url)
        let exact = output.contains("growth-padding True")
        for dtype in NumPyArray.DType.allCases {
            for (index, shape) in Samples.shapes.enumerated() {
                let numpyBytes = try Data(contentsOf: directory.file("\(dtype.rawValue)_\(index).npy"))
                let swiftBytes = try Samples.array(dtype, shape: shape).npyData()
                let payloadSize = shape.reduce(1, *) * dtype.itemSize
                #expect(numpyBytes.suffix(payloadSize) == swiftBytes.suffix(payloadSize), "\(dtype) \(shape)")
                if exact { #expect(swiftBytes == numpyBytes, "\(dtype) \(shape)") }
            }
        }
    }

    @Test func numpyWrittenFilesReadExactly() throws {
        let directory = try TemporaryDirectory()
        try runPython(
            """
            import numpy as np
            np.save('f8.npy', np.array([np.pi, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1.7976931348623157e308, 0.1]))
            np.save('f8_3d.npy', np.arange(24, dtype=np.float64).reshape(2, 3, 4) * 0.1)
            np.save('f4.npy', np.arange(6, dtype=np.float32).reshape(2, 3) / np.float32(3))
            np.save('i4.npy', np.array([-2**31, -1, 0, 1, 2**31 - 1], dtype=np.int32))
            np.save('i8.npy', np.array([[-2**63, -1, 0], [1, 123456789012345, 2**63 - 1]], dtype=np.int64))
            np.save('b1.npy', np.array([[True, False, True], [False, False, True]]))
            np.save('scalar.npy', np.float64(2.5))
            np.save('empty.npy', np.zeros((0, 3), dtype=np.int32))
            np.save('fortran_1d.npy', np.asfortranarray(np.arange(4.0)))
            """, in: directory.url)
        func load(_ name: String) throws -> NumPyArray { try NumPyArray(contentsOf: directory.file(name)) }

        let f8 = try load("f8.npy").requireShape([8]).doubles()
        let expected: [Double] = [
            .pi, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude,
            .greatestFiniteMagnitude, 0.1,
        ]
        #expect(f8.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(try load("f8_3d.npy").requireShape([2, 3, 4]).doubles() == (0..<24).map { Double($0) * 0.1 })
        #expect(try load("f4.npy").requireShape([2, 3]).floats() == (0..<6).map { Float($0) / 3 })
        #expect(try load("i4.npy").int32s() == [.min, -1, 0, 1, .max])
        #expect(try load("i8.npy").requireShape([2, 3]).int64s() == [.min, -1, 0, 1, 123_456_789_012_345, .max])
        #expect(try load("b1.npy").requireShape([2, 3]).bools() == [true, false, true, false, false, true])
        let scalar = try load("scalar.npy")
        #expect(scalar.shape == [])
        #expect(try scalar.doubles() == [2.5])
        let empty = try load("empty.npy")
        #expect(empty.shape == [0, 3] && empty.dtype == .int32 && empty.count == 0)
        #expect(try load("fortran_1d.npy").doubles() == [0, 1, 2, 3])
    }

    @Test func numpyFormatVersions2And3() throws {
        let directory = try TemporaryDirectory()
        try runPython(
            """
            import numpy as np
            a = np.arange(12, dtype=np.float64).reshape(3, 4) / 7
            for version in [(2, 0), (3, 0)]:
                with open('v%d.npy' % version[0], 'wb') as f:
                    np.lib.format.write_array(f, a, version=version)
            """, in: directory.url)
        for name in ["v2.npy", "v3.npy"] {
            let url = directory.file(name)
            let bytes = try Data(contentsOf: url)
            #expect(bytes[6] == (name == "v2.npy" ? 2 : 3))
            let array = try NumPyArray(contentsOf: url).requireShape([3, 4])
            #expect(try array.doubles() == (0..<12).map { Double($0) / 7 })
        }
    }

    @Test func bigEndianFilesAreByteSwapped() throws {
        let directory = try TemporaryDirectory()
        try runPython(
            """
            import numpy as np
            np.save('f8.npy', (np.arange(5) * 0.5 - 1).astype('>f8'))
            np.save('f4.npy', np.array([1.5, -2.25], dtype='>f4'))
            np.save('i4.npy', np.array([[1, -2], [3, 2**31 - 1]], dtype='>i4'))
            np.save('i8.npy', np.array([-(2**40), 7], dtype='>i8'))
            for name, descr in [('f8', '>f8'), ('f4', '>f4'), ('i4', '>i4'), ('i8', '>i8')]:
                assert np.load(name + '.npy').dtype.str == descr, (name, np.load(name + '.npy').dtype.str)
            """, in: directory.url)
        #expect(try NumPyArray(contentsOf: directory.file("f8.npy")).doubles() == [-1, -0.5, 0, 0.5, 1])
        #expect(try NumPyArray(contentsOf: directory.file("f4.npy")).floats() == [1.5, -2.25])
        let i4 = try NumPyArray(contentsOf: directory.file("i4.npy"))
        #expect(i4.shape == [2, 2])
        #expect(try i4.int32s() == [1, -2, 3, .max])
        #expect(try NumPyArray(contentsOf: directory.file("i8.npy")).int64s() == [-(1 << 40), 7])
    }
}
