// `.npz` archives: a ZIP of `<name>.npy` members (as `numpy.savez` / `numpy.savez_compressed` write them),
// plus any other members (e.g. `metadata.json`) kept as raw bytes.

import Foundation
import ZIPFoundation

/// The contents of a `.npz` file: named arrays (member `<key>.npy`) and other members as raw bytes.
///
/// Reading accepts stored and deflate-compressed members (ZIP64 included, as NumPy writes). Writing builds the
/// ZIP in memory with members in sorted name order and a fixed timestamp, so equal archives give equal bytes,
/// then writes it atomically. The file an archive was read from takes no part in `==`.
public struct NPZArchive: Sendable, Equatable {
    /// Arrays keyed by member name without the `.npy` suffix, as `numpy.load(...)[key]` would give them.
    public var arrays: [String: NumPyArray]
    /// Members whose names do not end in `.npy`, keyed by full member name (e.g. `"metadata.json"`).
    public var extraFiles: [String: Data]
    /// The file this archive was read from (or `"<memory>"`), for error messages.
    private var source: String?

    /// ZIP entry timestamp used on write, for reproducible bytes (2000-01-01T00:00:00Z).
    private static let fixedDate = Date(timeIntervalSince1970: 946_684_800)
    private static let bufferSize = 1 << 20

    /// An archive holding `arrays` (written as `<key>.npy`) and `extraFiles` (written under their own names).
    public init(arrays: [String: NumPyArray] = [:], extraFiles: [String: Data] = [:]) {
        self.arrays = arrays
        self.extraFiles = extraFiles
    }

    public static func == (lhs: NPZArchive, rhs: NPZArchive) -> Bool {
        lhs.arrays == rhs.arrays && lhs.extraFiles == rhs.extraFiles
    }

    // MARK: reading

    /// Reads a `.npz` file. Errors name the path (and the member, for a bad member); see `init(zipData:)`.
    public init(contentsOf url: URL, budget: MemoryBudget = .system) throws {
        try self.init(zipData: try readWholeFile(url, budget: budget), source: url.path, budget: budget)
    }

    /// Decodes the bytes of a `.npz` file. Errors are located at `source` (default `"<memory>"`).
    ///
    /// Hostile sizes are refused with one line before they are allocated: a member is inflated only up to the
    /// size its ZIP entry declares, the declared sizes of all members together are checked against the memory
    /// available (`MemoryBudget`) before any member is inflated, and an array member's header (shape × item
    /// size) must account for exactly its declared size before the rest is inflated.
    public init(zipData data: Data, source: String = "<memory>", budget: MemoryBudget = .system) throws {
        self.init()
        self.source = source
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch {
            throw NumPyError(.corruptArchive(String(describing: error)), path: source)
        }
        let entries = archive.filter { $0.type == .file }
        try Self.requireMemory(for: entries, source: source, budget: budget)
        var seen = Set<String>()
        for entry in entries {
            let name = entry.path
            guard seen.insert(name).inserted else {
                throw NumPyError(.corruptArchive("duplicate member"), path: source, member: name)
            }
            let contents = try Self.extract(entry, of: archive, source: source)
            if name.hasSuffix(".npy") {
                var array: NumPyArray
                do { array = try NPYFormat.decode(contents) } catch let error as NumPyError {
                    throw error.located(path: source, member: name)
                }
                array.origin = NumPyArray.Origin(path: source, member: name)
                arrays[String(name.dropLast(4))] = array
            } else {
                extraFiles[name] = contents
            }
        }
    }

    /// Checks the uncompressed sizes the central directory declares for all `entries`, together, against
    /// `budget` before any is inflated (every member is held in memory at once; none is read lazily).
    private static func requireMemory(for entries: [Entry], source: String, budget: MemoryBudget) throws {
        for entry in entries where entry.uncompressedSize > UInt64(Int.max) {
            throw NumPyError(
                .corruptArchive("declared size \(entry.uncompressedSize) is too large"), path: source,
                member: entry.path)
        }
        let total = entries.reduce(0.0) { $0 + Double($1.uncompressedSize) }
        let request =
            entries.count == 1
            ? "\(source) (member '\(entries[0].path)')"
            : "\(source) (\(entries.count) members together)"
        try budget.require(bytes: total, for: request)
    }

    /// Inflates one member, never beyond its declared size (a longer stream is a corrupt archive), after
    /// `requireMemory` checked the sizes, and checks a `.npy` member's size against the array header.
    private static func extract(_ entry: Entry, of archive: Archive, source: String) throws -> Data {
        let name = entry.path
        let declared = Int(entry.uncompressedSize)
        var contents = Data()
        contents.reserveCapacity(min(declared, 1 << 28))
        var headerChecked = !name.hasSuffix(".npy")
        do {
            let checksum = try archive.extract(entry, bufferSize: Self.bufferSize) { chunk in
                guard chunk.count <= declared - contents.count else {
                    throw NumPyError(.corruptArchive("member inflates beyond its declared size of \(declared) bytes"))
                }
                contents.append(chunk)
                if !headerChecked {
                    headerChecked = try NPYFormat.checkDeclaredSize(prefix: contents, declaredBytes: declared)
                }
            }
            guard checksum == entry.checksum else { throw Archive.ArchiveError.invalidCRC32 }
            guard contents.count == declared else { throw Archive.ArchiveError.invalidEntrySize }
        } catch let error as NumPyError {
            throw error.located(path: source, member: name)
        } catch {
            throw NumPyError(.corruptArchive(String(describing: error)), path: source, member: name)
        }
        return contents
    }

    // MARK: access with errors that name the archive

    /// The array stored as `<name>.npy`.
    /// - Throws: `NumPyError.Kind.missingMember` naming `name` and listing the available members.
    public func array(_ name: String) throws -> NumPyArray {
        guard let array = arrays[name] else { throw missing(name) }
        return array
    }

    /// The array stored as `<name>.npy`, checked to have `shape` (negative entries match any extent).
    public func array(_ name: String, shape: [Int]) throws -> NumPyArray {
        try array(name).requireShape(shape)
    }

    /// The elements of array `name` in C order, which must have dtype exactly `Element` and, if given, `shape`.
    public func values<Element: NumPyElement>(
        _ name: String, as type: Element.Type = Element.self,
        shape: [Int]? = nil
    ) throws -> [Element] {
        let array = try shape.map { try self.array(name, shape: $0) } ?? self.array(name)
        return try array.values(as: type)
    }

    /// The raw bytes of the non-array member `name` (full member name, e.g. `"metadata.json"`).
    /// - Throws: `NumPyError.Kind.missingMember` naming `name` and listing the available members.
    public func extraFile(_ name: String) throws -> Data {
        guard let data = extraFiles[name] else { throw missing(name) }
        return data
    }

    /// Array keys then extra-file names, each sorted: how members are listed in error messages.
    public var memberNames: [String] {
        arrays.keys.sorted() + extraFiles.keys.sorted()
    }

    private func missing(_ name: String) -> NumPyError {
        NumPyError(.missingMember(name, available: memberNames), path: source)
    }

    // MARK: writing

    /// The bytes of this archive as a `.npz` file: members sorted by name, stored (default) or
    /// deflate-compressed like `numpy.savez_compressed` when `compressed` is true.
    /// - Throws: `NumPyError.Kind.invalidArray` if a name is empty or an extra file's name ends in `.npy`;
    ///   `.corruptArchive` if the ZIP cannot be built.
    public func zipData(compressed: Bool = false) throws -> Data {
        var members: [(name: String, contents: Data)] = []
        for (key, array) in arrays {
            guard !key.isEmpty else { throw NumPyError(.invalidArray("empty array name in .npz archive")) }
            members.append((key + ".npy", array.npyData()))
        }
        for (name, contents) in extraFiles {
            guard !name.isEmpty else { throw NumPyError(.invalidArray("empty member name in .npz archive")) }
            guard !name.hasSuffix(".npy") else {
                throw NumPyError(
                    .invalidArray(
                        "extra file '\(name)' must not end in .npy "
                            + "(it would read back as an array)"))
            }
            members.append((name, contents))
        }
        members.sort { $0.name < $1.name }

        do {
            let archive = try Archive(accessMode: .create)
            for member in members {
                let contents = member.contents
                try archive.addEntry(
                    with: member.name, type: .file, uncompressedSize: Int64(contents.count),
                    modificationDate: Self.fixedDate,
                    compressionMethod: compressed ? .deflate : .none,
                    bufferSize: Self.bufferSize
                ) { position, size in
                    let start = contents.startIndex + Int(position)
                    return contents.subdata(in: start..<start + size)
                }
            }
            guard let data = archive.data else { throw Archive.ArchiveError.unwritableArchive }
            return data
        } catch {
            throw NumPyError(.corruptArchive("cannot build archive: \(error)"))
        }
    }

    /// Writes this archive as a `.npz` file via `writeAtomically(_:to:)` (see `zipData(compressed:)`).
    public func write(to url: URL, compressed: Bool = false) throws {
        let data: Data
        do { data = try zipData(compressed: compressed) } catch let error as NumPyError {
            throw error.located(path: url.path)
        }
        try writeAtomically(data, to: url)
    }
}
