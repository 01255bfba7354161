// The single error type of the IO module: every failure names where it happened and what went wrong, on one line.

/// An error reading, validating or writing a NumPy `.npy`/`.npz` file (or any atomic file write).
///
/// `description` is one line, `"<location>: <problem>"` (or `"cannot read|write <location>: <reason>"` for
/// file-system failures), where the location is the file path (plus the
/// `.npz` member, when there is one) or a caller-supplied context such as `"<memory>"`.
public struct NumPyError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The data does not start with the `\x93NUMPY` magic string.
        case badMagic
        /// The format version is not 1.0, 2.0 or 3.0.
        case unsupportedVersion(major: UInt8, minor: UInt8)
        /// The header is truncated, not a valid Python dict literal, or has missing/extra/invalid keys.
        case malformedHeader(String)
        /// The header says `fortran_order: True`.
        case fortranOrder
        /// The header's `descr` names a dtype this module does not handle (e.g. `<c16`, `<U5`, `|O`).
        case unsupportedDType(String)
        /// The array payload is shorter than `shape` × item size.
        case truncatedData(expected: Int, found: Int)
        /// There are bytes after the array payload.
        case trailingData(expected: Int, found: Int)
        /// A bool array holds a byte other than 0 or 1.
        case invalidBool(byte: UInt8, index: Int)
        /// The array's shape is not the one the caller requires.
        case shapeMismatch(expected: [Int], found: [Int])
        /// The array's rank is not the one the caller requires.
        case rankMismatch(expected: Int, found: Int)
        /// The array's dtype is not the one the caller asked for (dtype names such as `float64 (<f8)`).
        case dtypeMismatch(expected: String, found: String)
        /// An array was constructed with inconsistent shape and element count, or a negative dimension.
        case invalidArray(String)
        /// A required `.npz` member is absent.
        case missingMember(String, available: [String])
        /// The `.npz` is not a readable ZIP archive, or one of its members cannot be extracted.
        case corruptArchive(String)
        /// The file does not exist.
        case fileNotFound
        /// The file exists but cannot be read (the OS reason).
        case unreadable(String)
        /// The file cannot be written (the OS reason); any previous file at the path is unchanged.
        case unwritable(String)
    }

    /// What went wrong.
    public var kind: Kind
    /// The file path, or a context such as `"<memory>"`; `nil` when unknown.
    public var path: String?
    /// The `.npz` member the problem is in, if any.
    public var member: String?

    public init(_ kind: Kind, path: String? = nil, member: String? = nil) {
        self.kind = kind
        self.path = path
        self.member = member
    }

    /// Returns a copy located at `path` (and `member`), keeping any location already set.
    func located(path: String?, member: String? = nil) -> NumPyError {
        var copy = self
        if copy.path == nil { copy.path = path }
        if copy.member == nil { copy.member = member }
        return copy
    }

    public var description: String {
        var location = path ?? "<array>"
        if let member { location += " (member '\(member)')" }
        switch kind {
        case .fileNotFound, .unreadable: return Self.oneLine("cannot read \(location): \(message)")
        case .unwritable: return Self.oneLine("cannot write \(location): \(message)")
        default: return Self.oneLine("\(location): \(message)")
        }
    }

    /// The problem, without the location.
    public var message: String {
        switch kind {
        case .badMagic:
            return "not a NumPy .npy file (missing \\x93NUMPY magic string)"
        case .unsupportedVersion(let major, let minor):
            return "unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)"
        case .malformedHeader(let why):
            return "malformed .npy header: \(why)"
        case .fortranOrder:
            return "Fortran-order arrays are not supported; save with np.save(path, np.ascontiguousarray(a))"
        case .unsupportedDType(let descr):
            return "unsupported dtype '\(descr)' (supported: <f8, <f4, <i4, <i8, |b1 and their big-endian forms)"
        case .truncatedData(let expected, let found):
            return "truncated array data: expected \(expected) bytes, found \(found)"
        case .trailingData(let expected, let found):
            return "unexpected trailing bytes after array data: expected \(expected) bytes, found \(found)"
        case .invalidBool(let byte, let index):
            return "invalid bool byte 0x\(String(byte, radix: 16)) at element \(index) (expected 0 or 1)"
        case .shapeMismatch(let expected, let found):
            return "shape mismatch: expected \(Self.shapeString(expected)), found \(Self.shapeString(found))"
        case .rankMismatch(let expected, let found):
            return "rank mismatch: expected a \(expected)-d array, found \(found)-d"
        case .dtypeMismatch(let expected, let found):
            return "dtype mismatch: expected \(expected), found \(found)"
        case .invalidArray(let why):
            return "invalid array: \(why)"
        case .missingMember(let name, let available):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "missing member '\(name)' (available: \(list))"
        case .corruptArchive(let why):
            return "corrupt or unreadable .npz (ZIP) archive: \(why)"
        case .fileNotFound:
            return "no such file"
        case .unreadable(let why), .unwritable(let why):
            return why
        }
    }

    /// A shape as NumPy prints it: `()`, `(3,)`, `(2, 3, 4)`.
    public static func shapeString(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
