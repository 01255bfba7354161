import Foundation
import TestSupport

@testable import Electronic

func randomConfiguration(_ L: Int, seed: UInt64, std: Double = 1) -> [Double] {
    var rng = SeededGenerator(seed: seed)
    return (0..<(L * L)).map { _ in std * rng.normal() }
}

func checkerboard(_ L: Int, amplitude: Double) -> [Double] {
    (0..<(L * L)).map { i in ((i % L + i / L) % 2 == 0) ? amplitude : -amplitude }
}
