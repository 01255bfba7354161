// Every bad input gives one NumPyError whose one-line description names the file and the problem.

import Foundation
import TestSupport
import Testing

@testable import IO

@Suite struct ErrorTests {
    /// Writes `data` as `name` in `directory`, reads it as `.npy`, and returns the error it must throw.
    func npyError(_ data: Data, name: String = "bad.npy", in directory: TemporaryDirectory) throws -> NumPyError {
        let url = directory.file(name)
        try data.write(to: url)
        let error = try #require(throws: NumPyError.self) { try NumPyArray(contentsOf: url) }
        #expect(error.description.contains(url.path), "error must name the file: \(error)")
        #expect(!error.description.contains("\n"), "error must be one line: \(error)")
        return error
    }

    static let goodHeader = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"

    @Test func wrongMagic() throws {
        let directory = try TemporaryDirectory()
        let error = try npyError(Data("PK\u{3}\u{4} this is not numpy".utf8), in: directory)
        #expect(error.kind == .badMagic)
        #expect(error.description.hasSuffix("bad.npy: not a NumPy .npy file (missing \\x93NUMPY magic string)"))
        #expect(try npyError(Data(), in: directory).kind == .badMagic)
    }

    @Test func unsupportedVersion() throws {
        let directory = try TemporaryDirectory()
        var data = NumPyArray([1.0]).npyData()
        data[6] = 4
        let error = try npyError(data, in: directory)
        #expect(error.kind == .unsupportedVersion(major: 4, minor: 0))
        #expect(error.description.contains("unsupported .npy format version 4.0"))
    }

    @Test func truncatedHeader() throws {
        let directory = try TemporaryDirectory()
        let full = NumPyArray([1.0, 2.0]).npyData()
        let error = try npyError(full.prefix(40), in: directory)
        #expect(error.kind == .malformedHeader("truncated header: expected 118 bytes, found 30"))
        #expect(try npyError(full.prefix(9), in: directory).description.contains("header length field"))
    }

    @Test func truncatedAndTrailingData() throws {
        let directory = try TemporaryDirectory()
        let full = NumPyArray((0..<10).map(Double.init)).npyData()
        let truncated = try npyError(full.dropLast(8), in: directory)
        #expect(truncated.kind == .truncatedData(expected: 80, found: 72))
        #expect(truncated.description.contains("truncated array data: expected 80 bytes, found 72"))
        let trailing = try npyError(full + Data([0, 0, 0]), in: directory)
        #expect(trailing.kind == .trailingData(expected: 80, found: 83))
    }

    @Test(arguments: [
        (
            "{'descr': '<f8', 'fortran_order': False}",
            "keys must be 'descr', 'fortran_order', 'shape'; found 'descr', 'fortran_order'"
        ),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}", "found 'descr', 'extra'"),
        ("{'descr': '<f8', 'shape': (3,) 'fortran_order': False}", "expected ',' or '}', found '''"),
        ("{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}", "'fortran_order' must be True or False, found 0"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (3)}", "'shape' must be a tuple of ints, found (3)"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (-3,)}", "tuple of non-negative ints"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), } trailing", "unexpected 't' after the dict"),
        ("{'descr': '<f8', 'fortran_order': False, 'descr': '<f8', 'shape': (3,)}", "duplicate key 'descr'"),
        ("{'descr': '<f8, 'fortran_order': False, 'shape': (3,)}", "expected ',' or '}', found 'f' at byte 17"),
        ("{'descr' '<f8', 'fortran_order': False, 'shape': (3,)}", "expected ':', found '''"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (3,", "unexpected end of header"),
        ("['descr', '<f8']", "header is not a dict literal"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", "integer too large"),
    ])
    func malformedHeaderDict(header: String, problem: String) throws {
        let directory = try TemporaryDirectory()
        let error = try npyError(makeNPY(header: header, payload: littleEndianBytes([1, 2, 3])), in: directory)
        guard case .malformedHeader = error.kind else {
            Issue.record("expected a malformed-header error, got \(error)")
            return
        }
        #expect(error.description.contains(problem), "\(error)")
    }

    @Test func acceptedHeaderVariants() throws {
        let payload = littleEndianBytes([1, 2, 3])
        for header in [
            #"{"shape": (3,), "fortran_order": False, "descr": "<f8"}"#,  // double quotes, any key order
            "{'descr':'<f8','fortran_order':False,'shape':(3L,)}",  // no spaces, Python 2 long
            "{'descr': '=f8', 'fortran_order': True, 'shape': (3,), }",  // native order; 1-d Fortran == C
        ] {
            #expect(try NumPyArray(npyData: makeNPY(header: header, payload: payload)).doubles() == [1, 2, 3])
        }
        let v2 = makeNPY(header: Self.goodHeader, payload: payload, version: 2)
        #expect(try NumPyArray(npyData: v2).doubles() == [1, 2, 3])
    }

    @Test func fortranOrderIsRejected() throws {
        let directory = try TemporaryDirectory()
        try runPython(
            "import numpy as np; np.save('f.npy', np.asfortranarray(np.arange(12.0).reshape(3, 4)))",
            in: directory.url)
        let url = directory.file("f.npy")
        let error = try #require(throws: NumPyError.self) { try NumPyArray(contentsOf: url) }
        #expect(error.kind == .fortranOrder)
        #expect(
            error.description == "\(url.path): Fortran-order arrays are not supported; "
                + "save with np.save(path, np.ascontiguousarray(a))")
    }

    @Test func unsupportedDTypesAreNamed() throws {
        let directory = try TemporaryDirectory()
        try runPython(
            """
            import numpy as np
            np.save('c16.npy', np.zeros(3, dtype=np.complex128))
            np.save('u.npy', np.array(['ab', 'cde']))
            np.save('o.npy', np.array([1, 'a'], dtype=object), allow_pickle=True)
            np.save('rec.npy', np.zeros(2, dtype=[('a', '<f8')]))
            np.save('u1.npy', np.zeros(2, dtype=np.uint8))
            """, in: directory.url)
        for (name, descr) in [("c16", "<c16"), ("u", "<U3"), ("o", "|O"), ("rec", "[('a', '<f8')]"), ("u1", "|u1")] {
            let url = directory.file(name + ".npy")
            let error = try #require(throws: NumPyError.self) { try NumPyArray(contentsOf: url) }
            #expect(error.kind == .unsupportedDType(descr))
            #expect(error.description.hasPrefix("\(url.path): unsupported dtype '\(descr)'"), "\(error)")
        }
    }

    @Test func invalidBoolByte() throws {
        let header = "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }"
        let error = #expect(throws: NumPyError.self) {
            try NumPyArray(npyData: makeNPY(header: header, payload: Data([1, 0, 2])), source: "mem.npy")
        }
        #expect(error?.description == "mem.npy: invalid bool byte 0x2 at element 2 (expected 0 or 1)")
    }

    @Test func mismatchesNameTheFile() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("w.npy")
        try NumPyArray([Double](repeating: 1, count: 12), shape: [3, 4]).write(to: url)
        let array = try NumPyArray(contentsOf: url)
        let shape = try #require(throws: NumPyError.self) { try array.requireShape([4, 3]) }
        #expect(shape.description == "\(url.path): shape mismatch: expected (4, 3), found (3, 4)")
        let rank = try #require(throws: NumPyError.self) { try array.requireRank(3) }
        #expect(rank.description == "\(url.path): rank mismatch: expected a 3-d array, found 2-d")
        let dtype = try #require(throws: NumPyError.self) { try array.floats() }
        #expect(dtype.description == "\(url.path): dtype mismatch: expected float32 (<f4), found float64 (<f8)")
    }

    @Test func missingNPZMemberIsNamedWithAlternatives() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("m.npz")
        try NPZArchive(
            arrays: ["bias": NumPyArray([1.0]), "weights": NumPyArray([2.0])],
            extraFiles: ["metadata.json": Data("{}".utf8)]
        ).write(to: url)
        let archive = try NPZArchive(contentsOf: url)
        let error = try #require(throws: NumPyError.self) { try archive.array("weight") }
        #expect(
            error.description
                == "\(url.path): missing member 'weight' (available: bias, weights, metadata.json)")
        #expect(throws: NumPyError.self) { try archive.extraFile("config.json") }
        let shape = try #require(throws: NumPyError.self) { try archive.array("bias", shape: [2]) }
        #expect(shape.description == "\(url.path) (member 'bias.npy'): shape mismatch: expected (2,), found (1,)")
    }

    @Test func corruptZip() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("random.npz")
        var generator = SystemRandomNumberGenerator()
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: url)
        let error = try #require(throws: NumPyError.self) { try NPZArchive(contentsOf: url) }
        guard case .corruptArchive = error.kind else {
            Issue.record("got \(error)")
            return
        }
        #expect(error.description.hasPrefix("\(url.path): corrupt or unreadable .npz (ZIP) archive"))
    }

    @Test func corruptNPZMembers() throws {
        let directory = try TemporaryDirectory()
        // A stored member whose bytes no longer match the CRC.
        var data = try NPZArchive(arrays: ["x": NumPyArray((0..<64).map(Double.init))]).zipData()
        let payload = try #require(data.range(of: littleEndianBytes([40, 41])))
        data[payload.lowerBound + 3] ^= 0xff
        let crc = #expect(throws: NumPyError.self) { try NPZArchive(zipData: data, source: "x.npz") }
        #expect(crc?.description == "x.npz (member 'x.npy'): corrupt or unreadable .npz (ZIP) archive: invalidCRC32")

        // A member named .npy that is not a valid .npy.
        try runPython(
            """
            import zipfile
            with zipfile.ZipFile('m.npz', 'w') as z:
                z.writestr('broken.npy', b'not an npy')
            """, in: directory.url)
        let url = directory.file("m.npz")
        let member = try #require(throws: NumPyError.self) { try NPZArchive(contentsOf: url) }
        #expect(member.kind == .badMagic)
        #expect(member.description.hasPrefix("\(url.path) (member 'broken.npy'): not a NumPy .npy file"))
    }

    @Test func missingAndUnreadableFiles() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.file("nope.npy")
        let error = try #require(throws: NumPyError.self) { try NumPyArray(contentsOf: missing) }
        #expect(error.kind == .fileNotFound)
        #expect(error.description == "cannot read \(missing.path): no such file")
        let npz = try #require(throws: NumPyError.self) { try NPZArchive(contentsOf: directory.file("nope.npz")) }
        #expect(npz.kind == .fileNotFound)
        let folder = try #require(throws: NumPyError.self) { try NumPyArray(contentsOf: directory.url) }
        #expect(folder.description == "cannot read \(directory.url.path): is a directory")
    }
}
