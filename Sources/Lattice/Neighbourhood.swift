/// A site's neighbourhood: the lattice offsets within a cutoff radius, grouped into shells.

import Foundation
import Symmetry

/// The offsets r with |r| ≤ radius around a centre site, ordered shell by shell.
///
/// A shell is one orbit of the point group (so (5,0) and (3,4) on the square lattice are different
/// shells although equally far). Shells are ordered by distance, ties by the polar angle of their
/// first member; within a shell, offsets go counter-clockwise by polar angle from the +x axis
/// (angle in [0, 2π)). On the square lattice with radius √13 this gives the reference order:
/// centre, (1,0), (1,1), (2,0), (2,1), (2,2), (3,0), (3,1), (3,2) shells; 45 sites.
public struct Neighbourhood: Sendable {
    public let group: PointGroup
    public let radius: Double
    /// All offsets, shell by shell.
    public let offsets: [LatticeVector]
    /// Shells as ranges into `offsets`.
    public let shells: [Range<Int>]

    /// Tolerance used when comparing distances with the cutoff.
    public static let distanceTolerance = 1e-9

    public init(group: PointGroup, radius: Double) throws {
        guard radius.isFinite, radius >= 0 else {
            throw SymmetryError("neighbourhood radius must be a finite number ≥ 0, got \(radius)")
        }
        self.group = group
        self.radius = radius
        let geometry = group.geometry
        // Bound on lattice coordinates: |n_i| ≤ radius / (shortest height of the unit cell).
        let area = abs(geometry.a1.x * geometry.a2.y - geometry.a2.x * geometry.a1.y)
        let height =
            area / max((geometry.a1 * geometry.a1).sum().squareRoot(), (geometry.a2 * geometry.a2).sum().squareRoot())
        let bound = Int((radius / height).rounded(.up)) + 1
        var inside: [LatticeVector] = []
        for n2 in -bound...bound {
            for n1 in -bound...bound {
                let v = LatticeVector(n1, n2)
                if Self.length(v, geometry) <= radius + Self.distanceTolerance { inside.append(v) }
            }
        }
        var remaining = Set(inside)
        var shellLists: [[LatticeVector]] = []
        for v in inside.sorted(by: { Self.less($0, $1, geometry) }) where remaining.contains(v) {
            let orbit = Set(group.elements.map { $0.apply(v) })
            remaining.subtract(orbit)
            shellLists.append(orbit.sorted { Self.angle($0, geometry) < Self.angle($1, geometry) })
        }
        shellLists.sort { a, b in
            let ra = Self.length(a[0], geometry), rb = Self.length(b[0], geometry)
            return abs(ra - rb) > Self.distanceTolerance
                ? ra < rb : Self.angle(a[0], geometry) < Self.angle(b[0], geometry)
        }
        offsets = shellLists.flatMap { $0 }
        var start = 0
        shells = shellLists.map { s in
            defer { start += s.count }
            return start..<(start + s.count)
        }
    }

    public var count: Int { offsets.count }

    /// Largest |n1| or |n2| among the offsets: the halo width needed around a domain.
    public var haloWidth: Int { offsets.map { max(abs($0.n1), abs($0.n2)) }.max() ?? 0 }

    /// Distance of shell s from the centre.
    public func shellRadius(_ s: Int) -> Double { Self.length(offsets[shells[s].lowerBound], group.geometry) }

    static func length(_ v: LatticeVector, _ g: LatticeGeometry) -> Double {
        let c = g.cartesian(v)
        return (c * c).sum().squareRoot()
    }
    static func angle(_ v: LatticeVector, _ g: LatticeGeometry) -> Double {
        let c = g.cartesian(v)
        if abs(c.x) < 1e-12 && abs(c.y) < 1e-12 { return 0 }
        var a = atan2(c.y, c.x)
        if a < -1e-12 { a += 2 * .pi }
        return max(0, a)
    }
    static func less(_ a: LatticeVector, _ b: LatticeVector, _ g: LatticeGeometry) -> Bool {
        let ra = length(a, g), rb = length(b, g)
        return abs(ra - rb) > distanceTolerance ? ra < rb : angle(a, g) < angle(b, g)
    }
}
