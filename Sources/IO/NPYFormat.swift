// The `.npy` container: magic string, version, header length, padded header, raw C-order payload.
// See https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

import Foundation

/// Encoding and decoding of `.npy` bytes.
enum NPYFormat {
    /// `\x93NUMPY`.
    static let magic: [UInt8] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]
    /// Data starts at a multiple of this many bytes, as NumPy writes it.
    static let alignment = 64
    static let hostIsLittleEndian = UInt16(1).littleEndian == 1

    // MARK: encoding

    /// The `.npy` bytes of `array`: format 1.0, or 2.0 if the header would exceed 65535 bytes; little-endian
    /// data; header padded with spaces and a newline so the data starts at a multiple of 64 bytes.
    static func encode(_ array: NumPyArray) -> Data {
        let header = Array(NPYHeader(descr: array.dtype.descr, fortranOrder: false, shape: array.shape).encoded().utf8)
        var lengthFieldSize = 2
        var padded = paddedLength(header.count, lengthFieldSize: 2)
        if padded > Int(UInt16.max) {
            lengthFieldSize = 4
            padded = paddedLength(header.count, lengthFieldSize: 4)
        }
        let payloadSize = array.count * array.dtype.itemSize
        var data = Data(capacity: magic.count + 2 + lengthFieldSize + padded + payloadSize)
        data.append(contentsOf: magic)
        data.append(contentsOf: [lengthFieldSize == 2 ? 1 : 2, 0])
        for index in 0..<lengthFieldSize { data.append(UInt8(truncatingIfNeeded: padded >> (8 * index))) }
        data.append(contentsOf: header)
        data.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padded - header.count - 1))
        data.append(UInt8(ascii: "\n"))

        switch array.storage {
        case .float64(let values): append(values, to: &data) { .init(bitPattern: $0.bitPattern.byteSwapped) }
        case .float32(let values): append(values, to: &data) { .init(bitPattern: $0.bitPattern.byteSwapped) }
        case .int32(let values): append(values, to: &data) { $0.byteSwapped }
        case .int64(let values): append(values, to: &data) { $0.byteSwapped }
        case .bool(let values): values.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        return data
    }

    /// The header length NumPy stores: header + newline + spaces, so the data offset is a multiple of 64.
    private static func paddedLength(_ headerLength: Int, lengthFieldSize: Int) -> Int {
        let unpadded = headerLength + 1
        return unpadded + alignment - ((magic.count + 2 + lengthFieldSize + unpadded) % alignment)
    }

    /// Appends the little-endian bytes of `values`: one copy on little-endian hosts, byte-swapped otherwise.
    private static func append<Element>(
        _ values: [Element], to data: inout Data,
        swapped: (Element) -> Element
    ) {
        if hostIsLittleEndian {
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        } else {
            values.map(swapped).withUnsafeBytes { data.append(contentsOf: $0) }
        }
    }

    // MARK: decoding

    /// Decodes `.npy` bytes (format 1.0, 2.0 or 3.0). Errors carry no location; callers add it.
    static func decode(_ data: Data) throws -> NumPyArray {
        try data.withUnsafeBytes { try decode($0) }
    }

    /// What a `.npy` header declares: dtype, byte order, shape, element count and where the data starts.
    struct Layout {
        var dtype: NumPyArray.DType
        var bigEndian: Bool
        var shape: [Int]
        var count: Int
        /// Byte offset of the payload (end of the padded header).
        var dataStart: Int
        /// Payload bytes: count × item size (checked for overflow).
        var payloadBytes: Int
    }

    /// Parses magic, version and header of `bytes`; `nil` when `bytes` ends before the header does
    /// (a prefix of a member still being inflated). Throws the errors `decode` throws for the header.
    static func layout(_ bytes: UnsafeRawBufferPointer) throws -> Layout? {
        guard zip(magic, bytes).allSatisfy({ $0 == $1 }) else { throw NumPyError(.badMagic) }
        guard bytes.count >= 8 else { return nil }
        let (major, minor) = (bytes[6], bytes[7])
        let lengthFieldSize: Int
        switch (major, minor) {
        case (1, 0): lengthFieldSize = 2
        case (2, 0), (3, 0): lengthFieldSize = 4
        default: throw NumPyError(.unsupportedVersion(major: major, minor: minor))
        }
        let headerStart = 8 + lengthFieldSize
        guard bytes.count >= headerStart else { return nil }
        var headerLength = 0
        for index in 0..<lengthFieldSize { headerLength |= Int(bytes[8 + index]) << (8 * index) }
        let dataStart = headerStart + headerLength
        guard bytes.count >= dataStart else { return nil }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[headerStart..<dataStart])
        let (header, descrIsString) = try NPYHeader.parse(headerBytes)
        guard descrIsString, let (dtype, bigEndian) = parseDescr(header.descr) else {
            throw NumPyError(.unsupportedDType(header.descr))
        }
        // Fortran and C order coincide when at most one axis has extent > 1 (e.g. any 1-d array).
        if header.fortranOrder && header.shape.filter({ $0 > 1 }).count > 1 { throw NumPyError(.fortranOrder) }
        let count: Int
        do { count = try NumPyArray.elementCount(of: header.shape) } catch let error as NumPyError {
            throw NPYHeader.malformed(error.message)
        }
        let (payloadBytes, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        guard !overflow, payloadBytes <= Int.max - dataStart else {
            throw NPYHeader.malformed("shape \(NumPyError.shapeString(header.shape)) is too large")
        }
        return Layout(
            dtype: dtype, bigEndian: bigEndian, shape: header.shape, count: count, dataStart: dataStart,
            payloadBytes: payloadBytes)
    }

    /// Checks that a header's shape × item size accounts for exactly `declaredBytes` (an `.npz` member's
    /// size from its ZIP entry), from the first bytes of the member: `false` while the header is incomplete.
    /// - Throws: `truncatedData`/`trailingData` on disagreement, or the header's own errors.
    static func checkDeclaredSize(prefix: Data, declaredBytes: Int) throws -> Bool {
        guard let layout = try prefix.withUnsafeBytes({ try Self.layout($0) }) else { return false }
        let found = declaredBytes - layout.dataStart
        guard found >= layout.payloadBytes else {
            throw NumPyError(.truncatedData(expected: layout.payloadBytes, found: found))
        }
        guard found == layout.payloadBytes else {
            throw NumPyError(.trailingData(expected: layout.payloadBytes, found: found))
        }
        return true
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer) throws -> NumPyArray {
        guard let layout = try layout(bytes) else {
            if bytes.count < magic.count { throw NumPyError(.badMagic) }
            if bytes.count < 8 { throw NPYHeader.malformed("file ends inside the version field") }
            let lengthFieldSize = bytes[6] == 1 ? 2 : 4
            guard bytes.count >= 8 + lengthFieldSize else {
                throw NPYHeader.malformed("file ends inside the header length field")
            }
            var headerLength = 0
            for index in 0..<lengthFieldSize { headerLength |= Int(bytes[8 + index]) << (8 * index) }
            let found = bytes.count - 8 - lengthFieldSize
            throw NPYHeader.malformed("truncated header: expected \(headerLength) bytes, found \(found)")
        }
        let (dtype, bigEndian, count, dataStart) = (layout.dtype, layout.bigEndian, layout.count, layout.dataStart)
        let expected = layout.payloadBytes
        let found = bytes.count - dataStart
        guard found >= expected else { throw NumPyError(.truncatedData(expected: expected, found: found)) }
        guard found == expected else { throw NumPyError(.trailingData(expected: expected, found: found)) }

        let payload = UnsafeRawBufferPointer(rebasing: bytes[dataStart...])
        let swap = bigEndian == hostIsLittleEndian
        let storage: NumPyArray.Storage
        switch dtype {
        case .float64:
            storage = .float64(load(payload, count: count, swap: swap) { .init(bitPattern: $0.bitPattern.byteSwapped) })
        case .float32:
            storage = .float32(load(payload, count: count, swap: swap) { .init(bitPattern: $0.bitPattern.byteSwapped) })
        case .int32:
            storage = .int32(load(payload, count: count, swap: swap) { $0.byteSwapped })
        case .int64:
            storage = .int64(load(payload, count: count, swap: swap) { $0.byteSwapped })
        case .bool:
            if let index = payload.firstIndex(where: { $0 > 1 }) {
                throw NumPyError(.invalidBool(byte: payload[index], index: index))
            }
            storage = .bool(load(payload, count: count, swap: false) { $0 })
        }
        return try NumPyArray(shape: layout.shape, storage: storage)
    }

    /// Maps a descriptor such as `<f8` or `>i4` to a dtype and whether its data is big-endian.
    /// `=` means native order; `|` (not applicable) is accepted for one-byte types only.
    static func parseDescr(_ descr: String) -> (NumPyArray.DType, bigEndian: Bool)? {
        guard descr.count == 3, let order = descr.first else { return nil }
        let code = descr.dropFirst()
        guard let dtype = NumPyArray.DType.allCases.first(where: { $0.descr.dropFirst() == code }) else { return nil }
        switch order {
        case "<": return (dtype, false)
        case ">": return (dtype, true)
        case "=": return (dtype, !hostIsLittleEndian)
        case "|": return dtype.itemSize == 1 ? (dtype, false) : nil
        default: return nil
        }
    }

    /// Copies `count` elements out of `payload` (one memcpy), then byte-swaps them if `swap`.
    private static func load<Element>(
        _ payload: UnsafeRawBufferPointer, count: Int, swap: Bool,
        swapped: (Element) -> Element
    ) -> [Element] {
        var values = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!)
                    .copyMemory(from: payload.baseAddress!, byteCount: count * MemoryLayout<Element>.stride)
            }
            initialized = count
        }
        if swap {
            values.withUnsafeMutableBufferPointer { buffer in
                for index in buffer.indices { buffer[index] = swapped(buffer[index]) }
            }
        }
        return values
    }
}

// MARK: - public .npy API

extension NumPyArray {
    /// Decodes the bytes of a `.npy` file (format 1.0, 2.0 or 3.0; C order; a supported dtype in either byte
    /// order; no trailing bytes). Errors are located at `source` (default `"<memory>"`).
    public init(npyData data: Data, source: String = "<memory>") throws {
        do { self = try NPYFormat.decode(data) } catch let error as NumPyError {
            throw error.located(path: source)
        }
        origin = Origin(path: source)
    }

    /// Reads a `.npy` file. Errors (including later accessor and shape errors) name the file's path.
    public init(contentsOf url: URL) throws {
        try self.init(npyData: try readWholeFile(url), source: url.path)
    }

    /// The bytes of this array as a `.npy` file, byte-identical to `numpy.save` for the same array:
    /// format 1.0 (2.0 for headers over 65535 bytes), little-endian, C order, data 64-byte aligned.
    public func npyData() -> Data {
        NPYFormat.encode(self)
    }

    /// Writes this array as a `.npy` file via `writeAtomically(_:to:)`.
    public func write(to url: URL) throws {
        try writeAtomically(npyData(), to: url)
    }
}
