/// The module graph reads as the pipeline: `Package.swift` lists the targets in pipeline order, every
/// target depends only on targets listed before it, and every source file imports only modules
/// listed before its own. Read from the files themselves (no build-system query), so a wrong
/// dependency or import fails here with the target, file and line.

import Foundation
import Testing

/// Repository root, from this file's path (Tests/PackageLayoutTests/…).
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Source targets in the order `Package.swift` declares them (system libraries included).
private func declaredTargets() throws -> [String] {
    let manifest = try String(contentsOf: repositoryRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
    let pattern = try NSRegularExpression(pattern: #"\.(?:target|systemLibrary|executableTarget)\(\s*name:\s*"(\w+)""#)
    let range = NSRange(manifest.startIndex..., in: manifest)
    return pattern.matches(in: manifest, range: range).compactMap { match in
        Range(match.range(at: 1), in: manifest).map { String(manifest[$0]) }
    }
}

/// The declared dependencies of every target (other targets only; products of packages left out).
private func declaredDependencies() throws -> [String: [String]] {
    let manifest = try String(contentsOf: repositoryRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
    let targets = try declaredTargets()
    let pattern = try NSRegularExpression(
        pattern:
            #"\.(?:target|systemLibrary|executableTarget|testTarget)\(\s*name:\s*"(\w+)""#
            + #"(,\s*dependencies:\s*\[([^\]]*)\])?"#
    )
    var dependencies: [String: [String]] = [:]
    for match in pattern.matches(in: manifest, range: NSRange(manifest.startIndex..., in: manifest)) {
        guard let nameRange = Range(match.range(at: 1), in: manifest) else { continue }
        let list = Range(match.range(at: 3), in: manifest).map { String(manifest[$0]) } ?? ""
        let names = list.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter {
            $0.offset % 2 == 1
        }.map { String($0.element) }
        dependencies[String(manifest[nameRange])] = names.filter { targets.contains($0) }
    }
    return dependencies
}

/// One `import M` of a source file of target `importer`.
private struct ImportSite: CustomStringConvertible {
    var importer: String
    var module: String
    var file: String
    var line: Int
    var description: String { "\(file):\(line) (\(importer)) imports \(module)" }
}

/// Every import of a project module in `Sources/`.
private func projectImports(targets: Set<String>) throws -> [ImportSite] {
    let sources = repositoryRoot.appendingPathComponent("Sources")
    guard let walker = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else { return [] }
    var sites: [ImportSite] = []
    for case let url as URL in walker where url.pathExtension == "swift" {
        let relative = url.path.dropFirst(sources.path.count + 1)
        let importer = String(relative.prefix { $0 != "/" })
        let text = try String(contentsOf: url, encoding: .utf8)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = line.split(separator: " ")
            guard let keyword = words.firstIndex(of: "import"), keyword + 1 < words.count,
                words[..<keyword].allSatisfy({ $0.hasPrefix("@") })
            else { continue }
            let module = String(words[keyword + 1])
            if targets.contains(module) {
                sites.append(
                    ImportSite(importer: importer, module: module, file: "Sources/\(relative)", line: index + 1))
            }
        }
    }
    return sites
}

/// Modules reachable from `start` through imports and declared dependencies.
private func reachable(from start: String, imports: [ImportSite], dependencies: [String: [String]]) -> Set<String> {
    var graph: [String: Set<String>] = dependencies.mapValues(Set.init)
    for site in imports { graph[site.importer, default: []].insert(site.module) }
    var seen: Set<String> = [], stack = [start]
    while let next = stack.popLast() {
        for module in graph[next] ?? [] where seen.insert(module).inserted { stack.append(module) }
    }
    return seen
}

@Suite("Module layering follows the pipeline")
struct PipelineOrderTests {
    @Test("Every import names a module declared earlier in Package.swift")
    func importsPointBackwards() throws {
        let order = try declaredTargets()
        #expect(order.count >= 20, "Package.swift targets not found: \(order)")
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        let sites = try projectImports(targets: Set(order))
        #expect(!sites.isEmpty)
        let forward = sites.filter { site in
            guard let own = position[site.importer], let used = position[site.module] else { return false }
            return used >= own
        }
        #expect(forward.isEmpty, "imports of a later (or the same) stage: \(forward)")
    }

    @Test("Every declared dependency is a target declared earlier in Package.swift")
    func dependenciesPointBackwards() throws {
        let order = try declaredTargets()
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        let dependencies = try declaredDependencies()
        #expect(dependencies["Dynamics"]?.isEmpty == false, "no dependencies parsed: \(dependencies)")
        var forward: [String] = []
        for (target, used) in dependencies {
            guard let own = position[target] else { continue }  // test targets come last
            for dependency in used where position[dependency].map({ $0 >= own }) ?? true {
                forward.append("\(target) → \(dependency)")
            }
        }
        #expect(forward.isEmpty, "dependencies on a later (or the same) stage: \(forward.sorted())")
    }

    @Test("Dynamics sees only the ForceField interface and the model's parameters; the MLP does not reach the ENN")
    func dynamicsIsModelFree() throws {
        let sites = try projectImports(targets: Set(try declaredTargets()))
        let dependencies = try declaredDependencies()
        let dynamics = reachable(from: "Dynamics", imports: sites, dependencies: dependencies)
        #expect(dynamics.contains("ForceFieldInterface") && dynamics.contains("HolsteinModel"))
        for heavier in ["Electronic", "Features", "ForceModels", "ENN", "Baselines", "ForceFields", "Training"] {
            #expect(!dynamics.contains(heavier), "Dynamics reaches \(heavier)")
        }
        let interface = reachable(from: "ForceFieldInterface", imports: sites, dependencies: dependencies)
        #expect(interface == ["HolsteinModel"], "the ForceField interface reaches \(interface.sorted())")
        #expect(!reachable(from: "Baselines", imports: sites, dependencies: dependencies).contains("ENN"))
    }
}
