import Features
import Lattice
import LinearAlgebra
import Symmetry
import TestSupport
import Testing

@Suite("Featurizer: configuration → per-site IR coefficients")
struct FeaturizerTests {
    static let cases: [(String, Double, Int)] = [
        ("D4/square", 13.0.squareRoot(), 12), ("C6v/triangular", 7.0.squareRoot(), 10),
        ("C3v/triangular", 2, 9),
    ]

    func make(_ key: String, _ radius: Double) throws -> (RepresentationTheory, Featurizer) {
        let c = groupsUnderTest.first { "\($0.name)/\($0.geometry.name)" == key }!
        let t = try RepresentationTheory(group: try PointGroup.named(c.name, on: c.geometry))
        return (t, try Featurizer(theory: t, radius: radius))
    }

    @Test(
        "rotating/reflecting/translating the lattice permutes sites and transforms features by D(g)", arguments: cases)
    func wholeLatticeCovariance(key: String, radius: Double, size: Int) throws {
        let (t, featurizer) = try make(key, radius)
        let lattice = try PeriodicLattice(geometry: t.group.geometry, size: size)
        var random = TestRandom(seed: 11)
        let field = random.field(lattice.siteCount)
        let f0: [Double] = try featurizer.features(of: field, on: lattice)
        let nf = featurizer.featureCount
        for g in 0..<t.group.order {
            let translation = LatticeVector(g % 3, 2 * g % 5)
            let moved = lattice.transform(field, by: t.group.elements[g], translation: translation)
            let f1: [Double] = try featurizer.features(of: moved, on: lattice)
            var worst = 0.0
            for i in 0..<lattice.siteCount {
                let j = lattice.site(t.group.elements[g].apply(lattice.position(i)) + translation)
                worst = max(
                    worst,
                    equivarianceError(
                        original: Array(f0[i * nf..<(i + 1) * nf]),
                        transformed: Array(f1[j * nf..<(j + 1) * nf]),
                        layout: featurizer.layout, irMatrices: t.irreps.map { $0.matrices[g] }))
            }
            #expect(worst < 1e-12, "element \(g): \(worst)")
        }
    }

    @Test("features equal the basis applied to each site's gathered neighbourhood; chunking and threads do not matter")
    func matchesDirectProjection() throws {
        var (t, featurizer) = try make("D4/square", 13.0.squareRoot())
        let lattice = try PeriodicLattice(geometry: t.group.geometry, size: 9)
        var random = TestRandom(seed: 5)
        let field = random.field(lattice.siteCount)
        let reference: [Double] = try featurizer.features(of: field, on: lattice, threads: 1)
        let b = featurizer.basis.matrix
        for i in [0, 8, 40, 80] {
            let p = lattice.position(i)
            let gathered = featurizer.neighbourhood.offsets.map { field[lattice.site(p + $0)] }
            let direct = (b * Matrix(rows: gathered.count, columns: 1, elements: gathered)).elements
            for f in 0..<featurizer.featureCount { #expect(abs(direct[f] - reference[i * 45 + f]) < 1e-12) }
        }
        #expect(featurizer.kernel == .shellSIMD)
        for kernel in FeatureKernel.allCases {
            featurizer.kernel = kernel
            var first: [Double]? = nil
            for chunk in [7, 20, 4096] {  // chunks that end mid-row exercise the scalar row tails
                featurizer.chunkSize = chunk
                let chunked: [Double] = try featurizer.features(of: field, on: lattice, threads: 2)
                #expect(zip(chunked, reference).map { abs($0 - $1) }.max()! < 1e-13, "\(kernel) chunk \(chunk)")
                // Site by site: the same bits in every chunking (what an MPI row decomposition relies on).
                #expect(chunked == (first ?? chunked), "\(kernel) chunk \(chunk)")
                first = first ?? chunked
            }
        }
        let single: [Float] = try featurizer.features(of: field, on: lattice, as: Float.self)
        #expect(zip(single, reference).allSatisfy { abs(Double($0) - $1) < 1e-5 })
    }

    @Test("chunk API streams a lattice in bounded pieces and matches the whole-lattice call")
    func chunkAPI() throws {
        let (t, featurizer) = try make("D4/square", 13.0.squareRoot())
        let lattice = try PeriodicLattice(geometry: t.group.geometry, size: 11)
        var random = TestRandom(seed: 9)
        let field = random.field(lattice.siteCount)
        let whole: [Float] = try featurizer.features(of: field, on: lattice, as: Float.self)
        let halo: HaloField<Float> = featurizer.haloField(field, on: lattice)
        var streamed = [Float](repeating: .nan, count: whole.count)
        var start = 0
        while start < lattice.siteCount {
            let end = min(lattice.siteCount, start + 13)
            streamed.withUnsafeMutableBufferPointer {
                featurizer.features(halo: halo, sites: start..<end, into: $0.baseAddress! + start * 45)
            }
            start = end
        }
        #expect(zip(streamed, whole).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test("bad input: lattice too small for the radius, wrong field size, wrong lattice geometry")
    func badInput() throws {
        let (_, featurizer) = try make("D4/square", 13.0.squareRoot())
        #expect(featurizer.minimumLatticeSize == 7)
        let small = try PeriodicLattice(geometry: .square, size: 6)
        #expect(throws: SymmetryError.self) {
            try featurizer.features(of: [Double](repeating: 0, count: 36), on: small) as [Double]
        }
        let ok = try PeriodicLattice(geometry: .square, size: 8)
        #expect(throws: SymmetryError.self) {
            try featurizer.features(of: [Double](repeating: 0, count: 63), on: ok) as [Double]
        }
        let triangular = try PeriodicLattice(geometry: .triangular, size: 8)
        #expect(throws: SymmetryError.self) {
            try featurizer.features(of: [Double](repeating: 0, count: 64), on: triangular) as [Double]
        }
    }
}
