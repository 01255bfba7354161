import Foundation
import TestSupport
import Testing

@Suite("latticeff symmetry")
struct SymmetryCommandTests {
    func json(_ arguments: [String]) throws -> [String: Any] {
        let r = try runLatticeFF(arguments + ["--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test("square D4 radius √13: JSON report with the required keys and values")
    func squareD4() throws {
        let j = try json(["symmetry", "--lattice", "square", "--group", "D4", "--radius", "3.61"])
        #expect(j["group"] as? String == "D4" && j["lattice"] as? String == "square")
        #expect(j["order"] as? Int == 8 && j["sites"] as? Int == 45 && j["shells"] as? Int == 9)
        #expect(j["multiplicities"] as? [String: Int] == ["A1": 9, "A2": 3, "B1": 6, "B2": 5, "E": 11])
        #expect((j["characterTable"] as? [[Double]])?.count == 5)
        #expect((j["productTable"] as? [String])?.contains("E ⊗ E = A1 + A2 + B1 + B2") == true)
    }

    @Test("triangular C6v: order 12, six IRs; text output has the character table")
    func triangularC6v() throws {
        let j = try json(["symmetry", "--lattice", "triangular", "--group", "C6v", "--radius", "2"])
        #expect(j["order"] as? Int == 12 && j["sites"] as? Int == 19 && j["shells"] as? Int == 4)
        #expect((j["irreps"] as? [String]) == ["A1", "A2", "B1", "B2", "E1", "E2"])
        let text = try runLatticeFF(["symmetry", "--lattice", "triangular"])
        #expect(text.status == 0 && text.stdout.contains("character table") && text.stdout.contains("3σv"))
    }

    @Test("--output writes the same JSON atomically")
    func outputFile() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let path = dir.appendingPathComponent("d4.json").path
        let r = try runLatticeFF(["symmetry", "--output", path])
        #expect(r.status == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let j = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(j["sites"] as? Int == 45)
    }

    @Test(
        "invalid input gives an error naming the problem and a non-zero exit",
        arguments: [
            (["symmetry", "--lattice", "square", "--group", "C6v"], usageErrorStatus),
            (["symmetry", "--radius=-1"], usageErrorStatus),
            (["symmetry", "--radius", "nan"], usageErrorStatus),
            (["symmetry", "--lattice", "hexagonal"], usageErrorStatus),
            (["symmetry", "--group", "C4"], runtimeErrorStatus),
            (["symmetry", "--group", "Oh"], usageErrorStatus),
            (["symmetry", "--no-such-option"], usageErrorStatus),
            (["symmetry", "--output", "/nonexistent-dir/x/report.json"], runtimeErrorStatus),
        ])
    func errors(arguments: [String], status: Int32) throws {
        let r = try runLatticeFF(arguments)
        #expect(r.status == status)
        let firstLine = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(firstLine.hasPrefix("Error:"), "stderr: \(r.stderr)")
    }
}
