// Inputs whose declared sizes lie, and requests beyond the memory available: each is one thrown line, never a
// fatal allocation. The ZIP archives are built byte by byte here, so the sizes they declare can be made to lie.

import Foundation
import TestSupport
import Testing

@testable import IO

/// One member of a hand-built ZIP: its name, stored bytes (`stored` or a hand-made deflate stream), the
/// uncompressed size its headers declare and the CRC-32 they record.
private struct RawMember {
    var name: String
    var method: UInt16
    var data: [UInt8]
    var declaredSize: UInt32
    var crc: UInt32
}

/// CRC-32 (IEEE, as ZIP uses).
private func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xffff_ffff
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
    }
    return ~crc
}

/// A deflate stream of stored (uncompressed) blocks holding `payload`: valid deflate that inflates to it.
private func storedDeflate(_ payload: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var start = 0
    repeat {
        let length = min(65535, payload.count - start)
        let final: UInt8 = start + length == payload.count ? 1 : 0
        out += [final, UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8((~length >> 8) & 0xff)]
        out += payload[start..<start + length]
        start += length
    } while start < payload.count
    return out
}

/// The bytes of a ZIP archive holding `members`, with exactly the sizes and CRCs they declare.
private func zipBytes(_ members: [RawMember]) -> Data {
    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }
    var body: [UInt8] = [], central: [UInt8] = []
    for member in members {
        let name = Array(member.name.utf8)
        let offset = UInt32(body.count)
        let common =
            le16(20) + le16(0) + le16(member.method) + le16(0) + le16(0x21) + le32(member.crc)
            + le32(UInt32(member.data.count)) + le32(member.declaredSize) + le16(UInt16(name.count)) + le16(0)
        body += le32(0x0403_4b50) + common + name + member.data
        central += le32(0x0201_4b50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + name
    }
    let end =
        le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(members.count)) + le16(UInt16(members.count))
        + le32(UInt32(central.count)) + le32(UInt32(body.count)) + le16(0)
    return Data(body + central + end)
}

/// The `.npy` bytes of a float64 array whose header declares `shape` but whose payload is `payloadBytes` long.
private func npyBytes(shape: String, payloadBytes: Int) -> [UInt8] {
    var header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }".utf8)
    while (10 + header.count + 1) % 64 != 0 { header.append(UInt8(ascii: " ")) }
    header.append(UInt8(ascii: "\n"))
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xff), UInt8(header.count >> 8)] + header
        + [UInt8](repeating: 0, count: payloadBytes)
}

/// Decodes `data` as an `.npz` and returns the thrown error's one-line description (failing if none is thrown).
private func refusal(_ data: Data, budget: MemoryBudget = MemoryBudget(availableBytes: 1 << 30)) -> String {
    do {
        _ = try NPZArchive(zipData: data, source: "hostile.npz", budget: budget)
        Issue.record("a hostile archive was accepted")
        return ""
    } catch {
        let text = "\(error)"
        #expect(!text.contains("\n"), "not one line: \(text)")
        return text
    }
}

@Suite("Hostile sizes are refused before allocation")
struct HostileInputTests {
    @Test("A deflate member that inflates beyond its declared size stops at that size")
    func inflationBeyondDeclaredSize() throws {
        let payload = [UInt8](repeating: 7, count: 200_000)
        let bomb = RawMember(
            name: "metadata.json", method: 8, data: storedDeflate(payload), declaredSize: 1000,
            crc: crc32(payload))
        let text = refusal(zipBytes([bomb]))
        #expect(text.contains("hostile.npz (member 'metadata.json')"), "\(text)")
        #expect(text.contains("inflates beyond its declared size of 1000 bytes"), "\(text)")
    }

    @Test("An honest archive built by hand reads back (the hostile cases fail for their lie, not the builder)")
    func honestHandBuiltArchive() throws {
        let payload = Array("{\"a\": 1}".utf8)
        let member = RawMember(
            name: "metadata.json", method: 8, data: storedDeflate(payload),
            declaredSize: UInt32(payload.count), crc: crc32(payload))
        let archive = try NPZArchive(zipData: zipBytes([member]), budget: MemoryBudget(availableBytes: 1 << 30))
        #expect(archive.extraFiles["metadata.json"] == Data(payload))
    }

    @Test("An array header whose shape × dtype disagrees with the member size is refused before inflating the rest")
    func headerDisagreesWithMemberSize() throws {
        // Header (1000000000000,) float64 = 8 TB; the member declares (and holds) 64 bytes of payload.
        let npy = npyBytes(shape: "(1000000000000,)", payloadBytes: 64)
        for method: UInt16 in [0, 8] {
            let member = RawMember(
                name: "q.npy", method: method, data: method == 8 ? storedDeflate(npy) : npy,
                declaredSize: UInt32(npy.count), crc: crc32(npy))
            let text = refusal(zipBytes([member]))
            #expect(text.contains("hostile.npz (member 'q.npy')"), "\(text)")
            #expect(text.contains("truncated array data: expected 8000000000000 bytes, found 64"), "\(text)")
        }
        // A shape that fits but leaves bytes over is refused too.
        let short = npyBytes(shape: "(2,)", payloadBytes: 24)
        let member = RawMember(
            name: "q.npy", method: 0, data: short, declaredSize: UInt32(short.count), crc: crc32(short))
        #expect(refusal(zipBytes([member])).contains("unexpected trailing bytes"))
    }

    @Test("A header with shape (10^12,) in a bare .npy, or a shape whose size overflows, is refused")
    func absurdShapes() throws {
        for (shape, expected) in [
            ("(1000000000000,)", "truncated array data: expected 8000000000000 bytes, found 0"),
            ("(4294967296, 4294967296)", "too large"),
        ] {
            do {
                _ = try NumPyArray(npyData: Data(npyBytes(shape: shape, payloadBytes: 0)), source: "big.npy")
                Issue.record("accepted shape \(shape)")
            } catch let error as NumPyError {
                #expect(error.description.hasPrefix("big.npy: ") && error.description.contains(expected), "\(error)")
            }
        }
    }

    @Test("A file larger than the memory available (a sparse 4 TiB file) is refused before it is read")
    func fileBeyondBudget() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("huge.npz")
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 1 << 42)  // sparse: no disk space is used
        try handle.close()
        #expect {
            _ = try NPZArchive(contentsOf: url, budget: MemoryBudget(availableBytes: 1 << 30))
        } throws: { error in
            "\(error)"
                == "reading \(url.path) needs ≈ 4096 GiB, 1 GiB available (override with --ignore-memory-limit)"
        }
    }

    @Test("A member whose declared size exceeds the memory available is refused before inflating")
    func declaredSizeBeyondBudget() throws {
        let payload = [UInt8](repeating: 1, count: 5000)
        let member = RawMember(
            name: "metadata.json", method: 8, data: storedDeflate(payload), declaredSize: 5000,
            crc: crc32(payload))
        let text = refusal(zipBytes([member]), budget: MemoryBudget(availableBytes: 4096))
        #expect(
            text == "hostile.npz (member 'metadata.json') needs ≈ 4.88 KiB, 4 KiB available "
                + "(override with --ignore-memory-limit)", "\(text)")
    }

    @Test("Members each under the memory available but together over it are refused before any is inflated")
    func membersTogetherBeyondBudget() throws {
        let members = ["a.json", "b.json", "c.json"].map { name in
            let payload = [UInt8](repeating: 1, count: 3000)
            return RawMember(name: name, method: 0, data: payload, declaredSize: 3000, crc: crc32(payload))
        }
        let text = refusal(zipBytes(members), budget: MemoryBudget(availableBytes: 4096))
        #expect(
            text == "hostile.npz (3 members together) needs ≈ 8.79 KiB, 4 KiB available "
                + "(override with --ignore-memory-limit)", "\(text)")
        // The same archive within a budget for all three reads back: only the total was over.
        let archive = try NPZArchive(zipData: zipBytes(members), budget: MemoryBudget(availableBytes: 9000))
        #expect(archive.extraFiles.count == 3)
        // Zero-byte members do not lift the total: one 5000-byte member among empty ones is still refused.
        let empty = RawMember(name: "e.json", method: 0, data: [], declaredSize: 0, crc: crc32([]))
        let big = RawMember(
            name: "f.json", method: 0, data: [UInt8](repeating: 2, count: 5000), declaredSize: 5000,
            crc: crc32([UInt8](repeating: 2, count: 5000)))
        #expect(
            refusal(zipBytes([empty, big]), budget: MemoryBudget(availableBytes: 4096))
                .hasPrefix("hostile.npz (2 members together) needs ≈ 4.88 KiB, 4 KiB available"))
    }
}

@Suite("Memory budget")
struct MemoryBudgetTests {
    @Test("cgroup limits: bytes, or unset for v2 'max' and v1's unlimited value")
    func cgroupLimits() {
        #expect(MemoryBudget.parseCgroupLimit("8589934592\n") == 8_589_934_592)
        #expect(MemoryBudget.parseCgroupLimit("max\n") == nil)
        #expect(MemoryBudget.parseCgroupLimit("9223372036854771712") == nil)
        #expect(MemoryBudget.parseCgroupLimit("") == nil)
    }

    @Test("The limit files of the process's own cgroup (v2 and v1) are read besides the mount root's")
    func cgroupFiles() {
        let files = MemoryBudget.cgroupLimitFiles(membership: "4:memory:/jobs/a\n1:cpu:/\n0::/user.slice/x\n")
        #expect(
            files == [
                "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                "/sys/fs/cgroup/memory/jobs/a/memory.limit_in_bytes", "/sys/fs/cgroup/user.slice/x/memory.max",
            ])
        #expect(MemoryBudget.cgroupLimitFiles(membership: "0::/\n").count == 2)
    }

    @Test("MemAvailable is read from /proc/meminfo text (kB → bytes)")
    func memAvailable() {
        let text = "MemTotal:       32000000 kB\nMemFree:         1000000 kB\nMemAvailable:   23346660 kB\n"
        #expect(MemoryBudget.parseMemAvailable(text) == 23_346_660 * 1024)
        #expect(MemoryBudget.parseMemAvailable("MemTotal: 1 kB\n") == nil)
    }

    @Test("A request over the budget is one line with the estimate, the limit and the override; under it passes")
    func refusal() throws {
        let budget = MemoryBudget(availableBytes: 64 << 30)
        try budget.require(bytes: 63 * 1_073_741_824, for: "small")
        #expect(throws: MemoryLimitError.self) { try budget.require(bytes: .infinity, for: "overflowing") }
        do {
            try budget.require(
                bytes: 32 * 160_000.0 * 160_000, for: "exact diagonalization", detail: "each solve ≈ 3.32 days")
            Issue.record("not refused")
        } catch let error as MemoryLimitError {
            #expect(
                error.description
                    == "exact diagonalization needs ≈ 763 GiB, 64 GiB available; each solve ≈ 3.32 days "
                    + "(override with --ignore-memory-limit)")
        }
        do {
            try budget.requireLattice(size: 5_000_000_000, bytesPerSite: 64, for: "a simulation")
            Issue.record("not refused")
        } catch let error as MemoryLimitError {
            #expect(
                error.description.hasPrefix(
                    "a simulation on the 5000000000×5000000000 lattice (N = 2.5e+19) needs ≈ "))
        }
        try MemoryBudget(availableBytes: nil).require(bytes: .infinity, for: "anything (unknown limit)")
    }

    /// Never sets the process-wide override: tests running beside this one rely on the budget they see.
    @Test("The override makes the budget unlimited; LATTICEFF_MEMORY_LIMIT replaces the limits read")
    func override() throws {
        if let available = MemoryBudget.availableMemory() {
            #expect(available <= (MemoryBudget.memAvailable() ?? .max))
            #expect(available <= (MemoryBudget.cgroupLimit() ?? .max))
        }
        let detected: () -> UInt64? = { 64 << 30 }
        func budget(_ environment: [String: String], ignoring: Bool = false) -> MemoryBudget {
            MemoryBudget.budget(environment: environment, ignoresLimit: ignoring, detected: detected)
        }
        #expect(budget([:]).availableBytes == 64 << 30)
        #expect(budget(["LATTICEFF_MEMORY_LIMIT": ""]).availableBytes == 64 << 30)
        #expect(budget(["LATTICEFF_MEMORY_LIMIT": "8GiB"]).availableBytes == 8 << 30)
        #expect(budget(["LATTICEFF_MEMORY_LIMIT": "200GiB"]).availableBytes == 200 << 30)
        #expect(budget([:], ignoring: true).availableBytes == nil)
        #expect(budget(["LATTICEFF_IGNORE_MEMORY_LIMIT": "1", "LATTICEFF_MEMORY_LIMIT": "1GiB"]).availableBytes == nil)
        try budget(["LATTICEFF_MEMORY_LIMIT": "1KiB"], ignoring: true).require(bytes: 1e30, for: "anything")
        #expect(throws: MemoryLimitError.self) {
            try budget(["LATTICEFF_MEMORY_LIMIT": "1KiB"]).require(bytes: 2048, for: "two KiB")
        }
        // A scoped budget replaces the system one in this task only.
        MemoryBudget.$scoped.withValue(MemoryBudget(availableBytes: 12345)) {
            #expect(MemoryBudget.system.availableBytes == 12345)
        }
        // A malformed limit is never a silent fallback: every check throws it, even a tiny one.
        #expect(throws: MemoryLimitSettingError(value: "8 GB")) {
            try budget(["LATTICEFF_MEMORY_LIMIT": "8 GB"]).require(bytes: 1, for: "one byte")
        }
    }

    @Test("LATTICEFF_MEMORY_LIMIT: bytes or a number with a binary unit; anything else is one line")
    func limitParsing() throws {
        let good: [(String, UInt64)] = [
            ("8589934592", 8_589_934_592), ("8GiB", 8 << 30), ("8 gib", 8 << 30),
            ("8G", 8 << 30), (" 1.5 TiB ", 3 << 39), ("512M", 512 << 20),
            ("512MiB", 512 << 20), ("4k", 4096), ("100B", 100), ("0.5KiB", 512),
        ]
        for (text, bytes) in good { #expect(try MemoryBudget.parseLimit(text) == bytes, "\(text)") }
        for text in [
            "", "0", "0GiB", "8GB", "8 gigabytes", "GiB", "-1", "1e9", "inf", "1.2.3G", ".5G", "0x10",
            "8GiB\n1", "9223372036854775808", "8388608TiB", "99999999999999999999",
        ] {
            do {
                _ = try MemoryBudget.parseLimit(text)
                Issue.record("accepted \(text.debugDescription)")
            } catch let error as MemoryLimitSettingError {
                #expect(!error.description.contains("\n"), "not one line: \(error)")
            }
        }
        #expect(try MemoryBudget.environmentLimit([:]) == nil)
        #expect(try MemoryBudget.environmentLimit(["LATTICEFF_MEMORY_LIMIT": "2GiB"]) == 2 << 30)
        #expect(
            "\(MemoryLimitSettingError(value: "8GB"))" == "LATTICEFF_MEMORY_LIMIT=\"8GB\" is not a memory size: give "
                + "bytes (8589934592) or a number with KiB, MiB, GiB or TiB (8GiB, 1.5 TiB)")
    }

    @Test("Durations and sizes print with three significant digits")
    func formatting() {
        #expect(formatBytes(8.192e11) == "763 GiB")
        #expect(formatBytes(1.5 * 1_073_741_824) == "1.5 GiB")
        #expect(formatBytes(.infinity).contains("overflow"))
        #expect(formatEstimatedDuration(286_720) == "3.32 days")
        #expect(formatEstimatedDuration(45) == "45 s")
        #expect(formatEstimatedDuration(0.287) == "287 ms")
        #expect(formatEstimatedDuration(2.87e-7) == "< 1 ms")
        #expect(formatEstimatedDuration(3e9) == "95.1 years")
    }
}

@Suite("Output directory prerequisite")
struct OutputDirectoryTests {
    @Test("Created with its parents and proven writable; files already there are untouched, no probe is left")
    func created() throws {
        let directory = try TemporaryDirectory()
        let out = directory.file("a/b/out")
        try prepareOutputDirectory(out)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
        try Data("keep".utf8).write(to: out.appendingPathComponent("old.txt"))
        try prepareOutputDirectory(out)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["old.txt"])
        #expect(try String(contentsOf: out.appendingPathComponent("old.txt"), encoding: .utf8) == "keep")
    }

    @Test("A path under a regular file, or a regular file itself, is one line naming it")
    func unwritable() throws {
        let directory = try TemporaryDirectory()
        let file = directory.file("plain")
        try Data("x".utf8).write(to: file)
        for target in [file.appendingPathComponent("out"), file] {
            #expect {
                try prepareOutputDirectory(target)
            } throws: { error in
                let text = "\(error)"
                return text.hasPrefix("cannot write \(target.path): ") && text.contains("not a directory")
                    && !text.contains("\n")
            }
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == "x")
    }
}
