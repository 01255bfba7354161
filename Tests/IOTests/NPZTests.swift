// `.npz` archives: Swift round trips, extra (non-array) members, and interop with numpy.savez[_compressed].

import Foundation
import TestSupport
import Testing

@testable import IO

@Suite struct NPZTests {
    static let metadata = Data(#"{"model": "test", "version": 1}"#.utf8)

    static func sampleArchive() throws -> NPZArchive {
        var arrays: [String: NumPyArray] = [:]
        for dtype in NumPyArray.DType.allCases {
            for (index, shape) in Samples.shapes.enumerated() {
                arrays["\(dtype.rawValue)_\(index)"] = try Samples.array(dtype, shape: shape)
            }
        }
        return NPZArchive(arrays: arrays, extraFiles: ["metadata.json": metadata])
    }

    @Test(arguments: [false, true])
    func roundTripsInSwift(compressed: Bool) throws {
        let directory = try TemporaryDirectory()
        let archive = try Self.sampleArchive()
        let url = directory.file("model.npz")
        try archive.write(to: url, compressed: compressed)
        let read = try NPZArchive(contentsOf: url)
        #expect(read == archive)
        #expect(try read.extraFile("metadata.json") == Self.metadata)
        #expect(try read.values("float64_3", as: Double.self, shape: [2, 3, 4]).count == 24)
        #expect(try directory.contents() == ["model.npz"])
    }

    @Test func writingIsDeterministicAndSorted() throws {
        let archive = try Self.sampleArchive()
        let first = try archive.zipData()
        #expect(try archive.zipData() == first)
        let compressed = try archive.zipData(compressed: true)
        #expect(compressed.count < first.count)
        let directory = try TemporaryDirectory()
        try first.write(to: directory.file("a.npz"))
        let output = try runPython(
            """
            import zipfile
            names = zipfile.ZipFile('a.npz').namelist()
            assert names == sorted(names), names
            print(names[0], names[-1])
            """, in: directory.url)
        #expect(output.contains("bool_0.npy metadata.json"))
    }

    @Test func emptyArchiveRoundTrips() throws {
        let empty = NPZArchive()
        #expect(try NPZArchive(zipData: empty.zipData()) == empty)
    }

    @Test(arguments: [false, true])
    func swiftWrittenArchivesLoadInNumPy(compressed: Bool) throws {
        let directory = try TemporaryDirectory()
        try Self.sampleArchive().write(to: directory.file("model.npz"), compressed: compressed)
        var checks: [String] = []
        for dtype in NumPyArray.DType.allCases {
            for (index, shape) in Samples.shapes.enumerated() {
                let key = "\(dtype.rawValue)_\(index)"
                checks.append("check('\(key)', \(Samples.python(dtype, shape: shape)), '\(dtype.descr)')")
            }
        }
        let script = """
            import json, zipfile
            import numpy as np
            z = np.load('model.npz')
            def check(key, expected, descr):
                a = z[key]
                assert a.dtype.str == descr and a.shape == expected.shape, (key, a.dtype, a.shape)
                assert np.array_equal(a, expected), (key, a, expected)
            \(checks.joined(separator: "\n"))
            archive = zipfile.ZipFile('model.npz')
            assert json.loads(archive.read('metadata.json')) == {"model": "test", "version": 1}
            method = zipfile.ZIP_DEFLATED if \(compressed ? "True" : "False") else zipfile.ZIP_STORED
            assert all(info.compress_type == method for info in archive.infolist())
            print("ok", len(z.files))  # 20 arrays + metadata.json
            """
        let output = try runPython(script, in: directory.url)
        #expect(output.contains("ok 21"))
    }

    @Test(arguments: ["savez", "savez_compressed"])
    func numpyWrittenArchivesRead(function: String) throws {
        let directory = try TemporaryDirectory()
        try runPython(
            """
            import zipfile
            import numpy as np
            np.\(function)('m.npz', weights=np.arange(12, dtype=np.float64).reshape(3, 4) / 3,
                          counts=np.array([1, -2, 3], dtype=np.int64), mask=np.array([True, False]),
                          half=np.array([0.5, 0.25], dtype=np.float32), scalar=np.int32(-4))
            with zipfile.ZipFile('m.npz', 'a') as z:
                z.writestr('metadata.json', '{"a": 1}')
            """, in: directory.url)
        let archive = try NPZArchive(contentsOf: directory.file("m.npz"))
        #expect(archive.memberNames == ["counts", "half", "mask", "scalar", "weights", "metadata.json"])
        #expect(try archive.values("weights", as: Double.self, shape: [3, 4]) == (0..<12).map { Double($0) / 3 })
        #expect(try archive.array("counts").int64s() == [1, -2, 3])
        #expect(try archive.array("mask").bools() == [true, false])
        #expect(try archive.array("half").floats() == [0.5, 0.25])
        #expect(try archive.array("scalar", shape: []).int32s() == [-4])
        #expect(try archive.extraFile("metadata.json") == Data(#"{"a": 1}"#.utf8))
    }

    @Test func extraFilesMayNotEndInNpy() throws {
        let archive = NPZArchive(extraFiles: ["x.npy": Data([1, 2, 3])])
        let error = #expect(throws: NumPyError.self) { try archive.zipData() }
        #expect(error?.description.contains("must not end in .npy") == true)
    }
}
