// FFTW (double precision) plans for 2-d real transforms, reusable and with thread-safe planning.

import CFFTW
import Foundation

/// Real-to-complex and complex-to-real FFTW plans for one `rows × columns` real array (row-major), with their
/// own buffers.
///
/// Plans are made with `FFTW_ESTIMATE` (no trial runs) under a process-wide lock, because FFTW's planner
/// is not thread-safe; executing is. One instance must not be used from two threads at once — give each
/// thread its own. Transforms are unnormalised, as FFTW's: `F(k) = Σ_r f(r) e^{−i k·r}`.
/// Cost: O(N log N) per transform, N = rows · columns.
public final class RealFourierTransform2D {
    public let rows: Int
    public let columns: Int
    /// Columns of the half spectrum FFTW stores: `columns / 2 + 1`.
    public var halfColumns: Int { columns / 2 + 1 }

    private let real: UnsafeMutablePointer<Double>
    private let spectrum: UnsafeMutablePointer<fftw_complex>
    private let forwardPlan: fftw_plan
    private let backwardPlan: fftw_plan

    /// FFTW's planner and plan destruction are not thread-safe: one lock for the whole process.
    private static let plannerLock = NSLock()

    /// Plans for `rows × columns` arrays (both ≥ 1).
    public init(rows: Int, columns: Int) {
        precondition(rows >= 1 && columns >= 1, "transform size must be positive")
        self.rows = rows
        self.columns = columns
        let spectrumCount = rows * (columns / 2 + 1)
        real = fftw_alloc_real(rows * columns)!
        spectrum = fftw_alloc_complex(spectrumCount)!
        Self.plannerLock.lock()
        forwardPlan = fftw_plan_dft_r2c_2d(Int32(rows), Int32(columns), real, spectrum, UInt32(FFTW_ESTIMATE))!
        backwardPlan = fftw_plan_dft_c2r_2d(Int32(rows), Int32(columns), spectrum, real, UInt32(FFTW_ESTIMATE))!
        Self.plannerLock.unlock()
    }

    /// Plans for an `size × size` lattice field.
    public convenience init(size: Int) {
        self.init(rows: size, columns: size)
    }

    deinit {
        Self.plannerLock.lock()
        fftw_destroy_plan(forwardPlan)
        fftw_destroy_plan(backwardPlan)
        Self.plannerLock.unlock()
        fftw_free(real)
        fftw_free(spectrum)
    }

    /// `|F(k)|²` for every wavevector, row-major `[ky, kx]` with k = 2π·(index)/extent (FFT order,
    /// index 0 ..< extent); the half spectrum is unfolded by `F(−k) = F(k)*`.
    public func powerSpectrum(_ values: [Double]) -> [Double] {
        forward(values)
        let half = halfColumns
        var power = [Double](repeating: 0, count: rows * columns)
        power.withUnsafeMutableBufferPointer { out in
            for ky in 0..<rows {
                let mirrorRow = (rows - ky) % rows
                for kx in 0..<half {
                    let (re, im) = spectrum[kx + half * ky]
                    let p = re * re + im * im
                    out[kx + columns * ky] = p
                    // |F(−k)|² = |F(k)|²: fill the columns FFTW does not store (harmless overlap at kx =
                    // columns/2).
                    if kx > 0 { out[(columns - kx) + columns * mirrorRow] = p }
                }
            }
        }
        return power
    }

    /// The periodic autocorrelation `A(d) = Σ_r f(r) f(r + d)` for every displacement d, row-major `[dy, dx]`
    /// with 0 ≤ dx < columns, 0 ≤ dy < rows (computed as the inverse transform of |F(k)|²).
    public func autocorrelation(_ values: [Double]) -> [Double] {
        forward(values)
        let count = rows * halfColumns
        for index in 0..<count {
            let (re, im) = spectrum[index]
            spectrum[index] = (re * re + im * im, 0)
        }
        fftw_execute(backwardPlan)
        let scale = 1 / Double(rows * columns)
        return (0..<rows * columns).map { real[$0] * scale }
    }

    /// Copies `values` in and runs the forward transform into `spectrum`.
    private func forward(_ values: [Double]) {
        precondition(values.count == rows * columns, "expected \(rows * columns) values, got \(values.count)")
        values.withUnsafeBufferPointer { real.update(from: $0.baseAddress!, count: values.count) }
        fftw_execute(forwardPlan)
    }
}
