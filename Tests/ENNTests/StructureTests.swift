import ENN
import ForceModels
import Foundation
import Testing

@Suite("network structure")
struct StructureTests {
    @Test("reference configuration: auxiliary widths and 143,135 parameters (142,914 weights + 221 biases)")
    func referenceWidths() throws {
        let s = try NetworkStructure(configuration: .reference())
        #expect(s.theory.labels == ["A1", "A2", "B1", "B2", "E"])
        #expect(
            s.layers.map(\.auxiliaryWidths) == [
                [128, 115, 130, 123, 264], [2512, 2576, 2576, 2576, 4128],
                [148, 164, 164, 164, 264], [34, 42, 42, 42, 68],
            ])
        #expect(
            s.layers.map(\.input.description) == [
                "9A1+3A2+6B1+5B2+11E", "32A1+32A2+32B1+32B2+32E",
                "8A1+8A2+8B1+8B2+8E", "4A1+4A2+4B1+4B2+4E",
            ])
        #expect(s.parameterCount == 143_135)
        #expect(s.weightCount == 142_914)
        #expect(s.parameterBlocks.filter(\.isBias).reduce(0) { $0 + $1.count } == 221)
        #expect(s.block(named: "layer2.E.weight")?.shape == [4128, 8])
        #expect(s.block(named: "layer4.A1.weight")?.shape == [34, 1])
        #expect(s.block(named: "layer4.A2.weight") == nil)
    }

    @Test("E width counts multiplets: the aux E layer holds 2 × 264 scalars in layer 1")
    func eWidthIsMultiplets() throws {
        let s = try NetworkStructure(configuration: .reference())
        let plan = s.layers[0]
        let eCouplings = plan.couplings[4]
        #expect(eCouplings.reduce(0) { $0 + $1.pairCount } == 264)
        #expect(eCouplings.allSatisfy { $0.resultDimension == 2 })
    }

    @Test("generic: C6v on the triangular lattice builds, every coupling is CG-allowed")
    func otherGroups() throws {
        let s = try NetworkStructure(
            configuration: NetworkConfiguration(
                lattice: "triangular", group: "C6v", radius: 2, hiddenWidths: [[4], [2]]))
        #expect(s.theory.labels.count == 6)
        for plan in s.layers {
            for list in plan.couplings {
                for c in list where c.left != nil {
                    #expect(s.theory.productMultiplicity(c.left!, c.right, c.result) > 0)
                }
            }
        }
    }

    @Test(
        "invalid configurations are rejected with a message",
        arguments: [
            NetworkConfiguration(hiddenWidths: []), NetworkConfiguration(hiddenWidths: [[1, 2]]),
            NetworkConfiguration(group: "Oh"), NetworkConfiguration(lattice: "hex"),
            NetworkConfiguration(radius: -1), NetworkConfiguration(hiddenWidths: [[0]]),
        ])
    func invalid(configuration: NetworkConfiguration) {
        #expect(throws: ForceModelError.self) { _ = try NetworkStructure(configuration: configuration) }
    }
}
