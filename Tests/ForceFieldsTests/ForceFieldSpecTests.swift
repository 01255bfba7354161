import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import Testing

@Suite("ForceFieldSpec: text and JSON forms, errors, the factory")
struct ForceFieldSpecTests {
    static let specs: [ForceFieldSpec] = [
        .ed, .harmonic, .cluster(radius: 2.237), .cluster(radius: 1), .model(path: "dir/m.npz"),
    ]

    @Test("JSON round trip is the identity", arguments: specs)
    func jsonRoundTrip(spec: ForceFieldSpec) throws {
        let data = try JSONEncoder().encode(spec)
        #expect(try JSONDecoder().decode(ForceFieldSpec.self, from: data) == spec)
    }

    @Test("Text round trip: parsing the description gives the spec back", arguments: specs)
    func textRoundTrip(spec: ForceFieldSpec) throws {
        #expect(try ForceFieldSpec(parsing: spec.description) == spec)
    }

    @Test("Accepted spellings: keywords in any case, cluster:R with 1 ≤ R ≤ 6, any .npz path")
    func parsing() throws {
        #expect(try ForceFieldSpec(parsing: "ED") == .ed)
        #expect(try ForceFieldSpec(parsing: "Harmonic") == .harmonic)
        #expect(try ForceFieldSpec(parsing: "cluster:6") == .cluster(radius: 6))
        #expect(try ForceFieldSpec(parsing: "/a/B.npz") == .model(path: "/a/B.npz"))
        #expect(ForceFieldSpec.model(path: "m.npz").modelPath == "m.npz" && ForceFieldSpec.ed.modelPath == nil)
    }

    @Test("withAbsoluteModelPath: a relative model path is resolved against the current directory; others unchanged")
    func absoluteModelPath() {
        let cwd = FileManager.default.currentDirectoryPath
        #expect(ForceFieldSpec.model(path: "dir/./m.npz").withAbsoluteModelPath == .model(path: cwd + "/dir/m.npz"))
        #expect(ForceFieldSpec.model(path: "/a/m.npz").withAbsoluteModelPath == .model(path: "/a/m.npz"))
        #expect(ForceFieldSpec.cluster(radius: 2).withAbsoluteModelPath == .cluster(radius: 2))
    }

    @Test(
        "Refused text: a one-line ForceFieldError naming the accepted forms",
        arguments: ["dft", "", "cluster:0.5", "cluster:x", "cluster:7", "cluster:", "model.npy"])
    func parseErrors(text: String) {
        #expect {
            try ForceFieldSpec(parsing: text)
        } throws: { error in
            let message = (error as? ForceFieldError)?.message ?? ""
            return !message.contains("\n") && (message.contains("cluster:R") || message.contains("MODEL.npz"))
        }
    }

    @Test(
        "Refused JSON: unknown kind, missing or out-of-range radius, missing path",
        arguments: [
            #"{"kind": "dft"}"#, #"{"kind": "cluster"}"#, #"{"kind": "cluster", "radius": 9}"#, #"{"kind": "model"}"#,
            "{}",
        ])
    func decodeErrors(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ForceFieldSpec.self, from: Data(json.utf8)) }
    }

    @Test("The factory builds the named field: descriptor kind and Holstein parameters (harmonic: g = 0)")
    func factory() throws {
        let holstein = HolsteinParameters(coupling: 2.5)
        var decoupled = holstein
        decoupled.coupling = 0
        let cases: [(ForceFieldSpec, String, HolsteinParameters)] = [
            (.ed, "ed", holstein), (.harmonic, "harmonic", decoupled), (.cluster(radius: 1), "cluster:1.0", holstein),
        ]
        for (spec, kind, parameters) in cases {
            let field = try spec.makeForceField(size: 4, holstein: holstein)
            #expect(
                field.descriptor.kind == kind && field.holsteinParameters == parameters && field.latticeSize == 4,
                "\(spec)")
        }
    }

    @Test("A model file is read exactly once per field; copies share the loaded model")
    func modelLoadedOnce() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models/holstein-square-d4.npz")
        var loads = 0
        var loaded: (any TrainableForceModel)?
        let field = try ForceFieldSpec.model(path: url.path).makeForceField(size: 8, holstein: HolsteinParameters()) {
            loads += 1
            let model = try ForceModelFile.load(from: $0)
            loaded = model
            return model
        }
        _ = try field.makeIndependentCopy()
        #expect(loads == 1)
        let network = try #require(field as? NetworkForceField)
        #expect(network.network === loaded && field.descriptor.modelPath == url.path)
    }

    @Test("Factory failures are one-line ForceFieldErrors: missing model, cluster larger than the lattice")
    func factoryErrors() {
        for (spec, size) in [(ForceFieldSpec.model(path: "/nonexistent/m.npz"), 8), (.cluster(radius: 3.6), 6)] {
            #expect {
                try spec.makeForceField(size: size, holstein: HolsteinParameters())
            } throws: { error in
                let message = (error as? ForceFieldError)?.message ?? ""
                return !message.isEmpty && !message.contains("\n")
            }
        }
    }
}
