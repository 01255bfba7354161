// Philox4x32-10 against Random123's published known-answer vectors, and the counter-based normals: any site
// range gives the same bits, and the numbers have the moments of N(0, 1).

import Foundation
import Testing

@testable import RandomNumbers

@Suite struct PhiloxTests {
    @Test("Philox4x32-10 reproduces Random123's known-answer vectors (counter, key → block)")
    func knownAnswers() {
        let cases: [(SIMD4<UInt32>, SIMD2<UInt32>, SIMD4<UInt32>)] = [
            (SIMD4(0, 0, 0, 0), SIMD2(0, 0), SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
            (
                SIMD4(repeating: 0xffff_ffff), SIMD2(repeating: 0xffff_ffff),
                SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)
            ),
            (
                SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), SIMD2(0xa409_3822, 0x299f_31d0),
                SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)
            ),
        ]
        for (counter, key, expected) in cases {
            #expect(Philox4x32.block(counter: counter, key: key) == expected)
        }
    }

    @Test("a site's normal does not depend on which range it is drawn in (odd and even starts, any length)")
    func rangeIndependence() {
        let normals = CounterNormals(seed: 0xDEAD_BEEF_1234)
        let step: UInt64 = 12_345
        let reference = (0..<37).map { normals.normal(step: step, site: $0) }
        for first in [0, 1, 2, 5, 36] {
            for count in [1, 2, 3, 8, 37 - first] where first + count <= 37 {
                var buffer = [Double](repeating: .nan, count: count)
                buffer.withUnsafeMutableBufferPointer { normals.fill($0, step: step, firstSite: first) }
                #expect(buffer == Array(reference[first..<first + count]), "first \(first), count \(count)")
            }
        }
        // Other steps and seeds give other numbers.
        #expect(normals.normal(step: step + 1, site: 3) != reference[3])
        #expect(CounterNormals(seed: 1).normal(step: step, site: 3) != reference[3])
    }

    @Test("200,000 counter normals: mean 0, variance 1, no lag-one correlation, within 5 standard errors")
    func moments() {
        let normals = CounterNormals(seed: 42)
        let n = 200_000
        var values = [Double](repeating: 0, count: n)
        for step in 0..<100 {
            values.withUnsafeMutableBufferPointer { buffer in
                let part = UnsafeMutableBufferPointer(rebasing: buffer[(step * 2000)..<((step + 1) * 2000)])
                normals.fill(part, step: UInt64(step), firstSite: 0)
            }
        }
        let mean = values.reduce(0, +) / Double(n)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        let lagOne = zip(values, values.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 } / Double(n - 1)
        let kurtosis = values.reduce(0) { $0 + pow($1, 4) } / Double(n)
        #expect(abs(mean) < 5 / Double(n).squareRoot())
        #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot())
        #expect(abs(lagOne) < 5 / Double(n).squareRoot())
        #expect(abs(kurtosis - 3) < 5 * (96 / Double(n)).squareRoot())
    }
}
