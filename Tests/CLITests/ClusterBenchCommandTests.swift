import Foundation
import TestSupport
import Testing

@Suite("latticeff bench cluster")
struct ClusterBenchCommandTests {
    @Test("--methods times exactly the named solvers, in order, on 1 and 2 threads (--json)")
    func chosenMethods() throws {
        let r = try runLatticeFF([
            "bench", "cluster", "--radii", "1", "--size", "13", "--methods", "dsyev, householder-simd",
            "--repeats", "1", "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(
            list.compactMap { $0["kernel"] as? String } == ["dsyev", "dsyev", "householder-simd", "householder-simd"])
        #expect(list.compactMap { $0["threads"] as? Int } == [1, 2, 1, 2])
        #expect(list.allSatisfy { ($0["sitesPerSecond"] as? Double ?? 0) > 0 })
    }

    @Test(
        "an unknown or empty --methods is a usage error naming the valid solvers",
        arguments: [["--methods", "lapack"], ["--methods", ""], ["--methods", "lanczos,"]])
    func badMethods(arguments: [String]) throws {
        let r = try runLatticeFF(["bench", "cluster", "--size", "13"] + arguments)
        #expect(r.status == usageErrorStatus, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("Error: --methods must be") && r.stderr.contains("householder-simd"), "\(r.stderr)")
    }
}
