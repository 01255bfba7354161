// Atomic writes: complete replacement on success; on failure a named error, no temporary file, old file intact.

import Foundation
import TestSupport
import Testing

@testable import IO

@Suite struct AtomicWriteTests {
    @Test func replacesContentsAndKeepsPermissions() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("a.bin")
        try writeAtomically(Data("first".utf8), to: url)
        #expect(try Data(contentsOf: url) == Data("first".utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        try writeAtomically(Data("second, longer".utf8), to: url)
        #expect(try Data(contentsOf: url) == Data("second, longer".utf8))
        let permissions = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        try writeAtomically(Data(), to: url)
        #expect(try Data(contentsOf: url).isEmpty)
        #expect(try directory.contents() == ["a.bin"])
    }

    @Test func missingParentDirectory() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("no-such-dir/y.npy")
        let error = try #require(throws: NumPyError.self) { try NumPyArray([1.0]).write(to: url) }
        #expect(
            error.description
                == "cannot write \(url.path): directory \(directory.file("no-such-dir").path) does not exist")
        #expect(try directory.contents().isEmpty)
    }

    @Test func parentIsARegularFile() throws {
        let directory = try TemporaryDirectory()
        try Data("x".utf8).write(to: directory.file("plain"))
        let url = directory.file("plain/m.npz")
        let error = try #require(throws: NumPyError.self) { try NPZArchive().write(to: url) }
        #expect(error.description == "cannot write \(url.path): \(directory.file("plain").path) is not a directory")
    }

    @Test func targetIsADirectory() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(at: directory.file("d.npy"), withIntermediateDirectories: false)
        let error = try #require(throws: NumPyError.self) { try NumPyArray([1.0]).write(to: directory.file("d.npy")) }
        #expect(error.description.hasSuffix("d.npy: a directory exists at this path"))
        #expect(try directory.contents() == ["d.npy"])
    }

    @Test func failedWriteLeavesExistingFileAndNoTemporary() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("model.npz")
        let original = try NPZArchive(arrays: ["w": NumPyArray([1.0, 2.0])]).zipData()
        try writeAtomically(original, to: url)

        struct InjectedFailure: Error, CustomStringConvertible { var description: String { "disk on fire" } }
        let error = try #require(throws: NumPyError.self) {
            try writeAtomically(Data("replacement".utf8), to: url, beforeRename: { throw InjectedFailure() })
        }
        #expect(error.description == "cannot write \(url.path): disk on fire")
        #expect(try Data(contentsOf: url) == original)
        #expect(try directory.contents() == ["model.npz"], "the temporary file must be removed")

        // An archive that cannot be encoded fails before anything touches the disk.
        let invalid = NPZArchive(extraFiles: ["x.npy": Data()])
        let encodeError = try #require(throws: NumPyError.self) { try invalid.write(to: url) }
        #expect(encodeError.description.hasPrefix("\(url.path): invalid array"))
        #expect(try Data(contentsOf: url) == original)
        #expect(try directory.contents() == ["model.npz"])
    }
}
