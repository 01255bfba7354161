/// Scratch files and the python3 runner shared by the test targets.

import Foundation

/// A fresh directory under the system temporary directory, removed when this object is released.
public final class TemporaryDirectory {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("latticeff-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A path inside the directory.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// The names of the entries in the directory, sorted (hidden files included).
    public func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

/// A path `name` in a fresh temporary directory (created, left for the system to clean), for model files.
public func temporaryModelURL(_ name: String = "model.npz") throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("latticeff-model-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name)
}

/// A python3 run that exited non-zero (an assertion failed, numpy is missing, or python3 is absent).
public struct PythonFailure: Error, CustomStringConvertible {
    public let status: Int32
    public let output: String
    public var description: String { "python3 exited with status \(status):\n\(output)" }
}

/// Runs `python3 -c script arguments…` (in `directory`, if given); returns the exit status and
/// stdout + stderr together. NumPy is installed by the Makefile's deps target.
public func python(_ script: String, arguments: [String] = [], in directory: URL? = nil) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    if let directory { process.currentDirectoryURL = directory }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

/// Runs `python3 -c script arguments…` in `directory` and returns its output; throws
/// `PythonFailure` on a non-zero exit, so a failed Python `assert` fails the calling test.
@discardableResult
public func runPython(_ script: String, arguments: [String] = [], in directory: URL) throws -> String {
    let (status, output) = try python(script, arguments: arguments, in: directory)
    guard status == 0 else { throw PythonFailure(status: status, output: output) }
    return output
}

/// The start of a python3 script that opens the model file at `url` with NumPy as `z`, its
/// `metadata.json` as `meta`, and asserts that the SHA-256 of the float32 arrays in
/// `meta['parameterOrder']` equals `meta['weightsSHA256']` (what every model file promises, read by an
/// independent implementation). Append the architecture's own assertions.
public func pythonModelFileChecks(_ url: URL) -> String {
    """
    import numpy, json, hashlib, zipfile
    z = numpy.load('\(url.path)')
    meta = json.loads(zipfile.ZipFile('\(url.path)').read('metadata.json'))
    h = hashlib.sha256(b''.join(numpy.ascontiguousarray(z[n], dtype='<f4').tobytes() for n in \
    meta['parameterOrder'])).hexdigest()
    assert h == meta['weightsSHA256'], (h, meta['weightsSHA256'])

    """
}
