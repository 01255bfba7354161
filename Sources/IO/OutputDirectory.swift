// The output-directory prerequisite: created if absent and proven writable before any computation starts.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates the directory at `url` (with its parents) if absent and proves it writable by creating and
/// removing a hidden probe file, so that a command fails before its first minute of work rather than after it.
/// Nothing already in the directory is touched. Cost: a few system calls.
/// - Throws: `NumPyError` of kind `.unwritable` naming the path and the OS reason, e.g.
///   `"cannot write /x/out: a parent is a file, not a directory"`.
public func prepareOutputDirectory(_ url: URL) throws {
    let path = url.path
    func fail(_ why: String) -> NumPyError { NumPyError(.unwritable(why), path: path) }
    do {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
        // The nearest existing ancestor (or the path itself) that is not a directory explains most failures.
        var info = stat()
        var existing = url
        while stat(existing.path, &info) != 0 && existing.path != "/" { existing.deleteLastPathComponent() }
        if stat(existing.path, &info) == 0, info.st_mode & S_IFMT != S_IFDIR {
            throw fail(
                existing.path == path
                    ? "exists and is not a directory"
                    : "\(existing.path) is a file, not a directory")
        }
        throw fail("cannot create the directory (\((error as NSError).localizedFailureReason ?? "\(error)"))")
    }
    var info = stat()
    guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { throw fail("not a directory") }
    let probe = path + "/.latticeff-write-probe-" + String(UInt64.random(in: .min ... .max), radix: 16)
    let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw fail("directory is not writable (\(errnoString(errno)))") }
    close(fd)
    unlink(probe)
}
