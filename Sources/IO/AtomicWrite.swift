// Crash-safe file writes: write a temporary file beside the target, fsync it, then rename it into place.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `data` to the file at `url` atomically: readers see either the old file or the complete new one.
///
/// The bytes go to a temporary `.<name>.tmp-<random>` in the same directory, which is fsynced and then renamed
/// over `url` (the directory is fsynced afterwards, best effort). An existing file's permission bits are kept;
/// a new file gets `0666 & ~umask`. On any failure the temporary file is removed, any existing file at `url`
/// is left untouched, and a `NumPyError` of kind `.unwritable` naming the path and the OS reason is thrown.
public func writeAtomically(_ data: Data, to url: URL) throws {
    try writeAtomically(data, to: url, beforeRename: {})
}

/// `writeAtomically(_:to:)` with a hook run after the temporary file is complete and before the rename; an error
/// it throws fails the write like any other (tests use it to check the clean-up path).
func writeAtomically(_ data: Data, to url: URL, beforeRename: () throws -> Void) throws {
    let path = url.path
    func fail(_ why: String) -> NumPyError { NumPyError(.unwritable(why), path: path) }
    guard url.isFileURL else { throw fail("not a file URL: \(url)") }
    let name = url.lastPathComponent
    guard !name.isEmpty, name != "/", name != ".", name != ".." else { throw fail("not a file path") }
    let directory = url.deletingLastPathComponent().path

    var info = stat()
    if stat(directory, &info) != 0 {
        let code = errno
        throw fail(
            code == ENOENT
                ? "directory \(directory) does not exist"
                : "cannot access directory \(directory): \(errnoString(code))")
    }
    guard info.st_mode & S_IFMT == S_IFDIR else { throw fail("\(directory) is not a directory") }

    var keptMode: mode_t?
    if stat(path, &info) == 0 {
        guard info.st_mode & S_IFMT != S_IFDIR else { throw fail("a directory exists at this path") }
        keptMode = info.st_mode & 0o7777
    }

    let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
    let temporary = directory + "/." + String(name.prefix(200)) + ".tmp-" + suffix
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    if fd < 0 {
        let code = errno
        let reason = errnoString(code)
        throw fail(
            code == EACCES || code == EROFS || code == EPERM
                ? "directory \(directory) is not writable (\(reason))"
                : "cannot create a temporary file in \(directory): \(reason)")
    }
    var renamed = false
    defer { if !renamed { unlink(temporary) } }
    do {
        defer { close(fd) }
        try writeAll(data, to: fd, fail: fail)
        if let keptMode, fchmod(fd, keptMode) != 0 { throw fail("cannot set permissions: \(errnoString(errno))") }
        if fsync(fd) != 0 { throw fail("fsync failed: \(errnoString(errno))") }
    }
    do { try beforeRename() } catch { throw fail("\(error)") }
    if rename(temporary, path) != 0 { throw fail("cannot rename temporary file into place: \(errnoString(errno))") }
    renamed = true

    let directoryFD = open(directory, O_RDONLY | O_CLOEXEC)
    if directoryFD >= 0 {
        _ = fsync(directoryFD)
        close(directoryFD)
    }
}

/// Writes every byte of `data` to `fd`, retrying short writes and `EINTR`.
private func writeAll(_ data: Data, to fd: Int32, fail: (String) -> NumPyError) throws {
    try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
        guard var pointer = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            let written = write(fd, pointer, min(remaining, 1 << 30))
            if written < 0 {
                if errno == EINTR { continue }
                throw fail("write failed: \(errnoString(errno))")
            }
            pointer += written
            remaining -= written
        }
    }
}

/// The C library's message for `code`, e.g. "Permission denied".
func errnoString(_ code: Int32) -> String {
    String(cString: strerror(code))
}
