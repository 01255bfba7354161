// Whole-file reads with one-line errors that name the path.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the whole file at `url`. Throws `NumPyError` `.fileNotFound` or `.unreadable` (with the OS reason),
/// located at the path, and `MemoryLimitError` for a file larger than `budget`.
func readWholeFile(_ url: URL, budget: MemoryBudget = .system) throws -> Data {
    let path = url.path
    guard url.isFileURL else { throw NumPyError(.unreadable("not a file URL: \(url)"), path: path) }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
        let code = errno
        throw NumPyError(code == ENOENT ? .fileNotFound : .unreadable(errnoString(code)), path: path)
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw NumPyError(.unreadable(errnoString(errno)), path: path) }
    guard info.st_mode & S_IFMT != S_IFDIR else { throw NumPyError(.unreadable("is a directory"), path: path) }
    try budget.require(bytes: Double(info.st_size), for: "reading \(path)")

    var data = Data(count: max(Int(info.st_size), 0) + 1)  // one spare byte detects a file that grew
    var filled = 0
    while true {
        if filled == data.count { data.count = data.count * 2 }
        let got = data.withUnsafeMutableBytes { buffer in
            read(fd, buffer.baseAddress! + filled, buffer.count - filled)
        }
        if got < 0 {
            if errno == EINTR { continue }
            throw NumPyError(.unreadable(errnoString(errno)), path: path)
        }
        if got == 0 { break }
        filled += got
    }
    data.count = filled
    return data
}
