// Conservation checks on time series with known answers: constant, ramped and block-patterned kinetic
// temperatures, density steps, older files without the columns, and partial last lines.

import AnalysisTestSupport
import Foundation
import TestSupport
import Testing

@testable import Analysis

@Suite struct ConservationTests {
    /// t = 0, 1, …, count − 1.
    static func series(count: Int, kinetic: ((Double) -> Double)?, density: ((Double) -> Double)?) -> RunTimeSeries {
        let times = (0..<count).map(Double.init)
        return RunTimeSeries(
            times: times, kineticTemperature: kinetic.map { times.map($0) }, meanDensity: density.map { times.map($0) })
    }

    @Test("m<v²> = kT throughout: ratio 1, zero error and drift; window [t_max/2, t_max]")
    func constant() throws {
        let report = ConservationReport(
            bathTemperature: 0.2,
            runs: [("run-000", Self.series(count: 100, kinetic: { _ in 0.2 }, density: { _ in 0.5 }))])
        #expect(report.window == 49.5...99)
        let ratio = try #require(report.kineticTemperatureRatio)
        #expect(abs(ratio.mean - 1) < 1e-14 && abs(ratio.standardError) < 1e-14 && abs(ratio.driftPerTime) < 1e-14)
        #expect(ratio.points == 50 && ratio.blocks == 10)
        #expect(report.meanDensity == DensityCheck(initial: 0.5, minimum: 0.5, maximum: 0.5, maxAbsDeviation: 0))
        #expect(report.unavailable.isEmpty)
    }

    @Test("a linear ramp 1 + s t: drift s per unit time, s (t1 − t0) over the window, mean at the window's middle")
    func ramp() throws {
        let slope = 1e-3
        let report = ConservationReport(
            bathTemperature: 0.1,
            runs: [("run-000", Self.series(count: 101, kinetic: { 0.1 * (1 + slope * $0) }, density: { _ in 0.5 }))])
        let ratio = try #require(report.kineticTemperatureRatio)
        #expect(report.window == 50...100)
        #expect(abs(ratio.driftPerTime - slope) < 1e-12)
        #expect(abs(ratio.driftOverWindow - slope * 50) < 1e-10)
        #expect(abs(ratio.mean - (1 + slope * 75)) < 1e-12)
    }

    @Test("block standard error: 10 blocks alternating 1.1, 0.9 give sd 0.1·√(10/9) and s.e. 0.1/3")
    func blocks() throws {
        // t = 0 … 39: the window [19.5, 39] holds t = 20 … 39, blocks of two points
        let report = ConservationReport(
            bathTemperature: 1,
            runs: [
                (
                    "run-000",
                    Self.series(count: 40, kinetic: { Int($0) / 2 % 2 == 0 ? 1.1 : 0.9 }, density: { _ in 0.5 })
                )
            ])
        let ratio = try #require(report.kineticTemperatureRatio)
        #expect(ratio.blocks == 10 && ratio.points == 20)
        #expect(abs(ratio.mean - 1) < 1e-12)
        #expect(abs(ratio.standardError - 0.1 / 3) < 1e-12)
    }

    @Test("density steps: the largest departure from the first value over all runs, range over runs")
    func densityStep() throws {
        let up = Self.series(count: 60, kinetic: { _ in 0.1 }, density: { $0 < 30 ? 0.5 : 0.501 })
        let down = Self.series(count: 60, kinetic: { _ in 0.1 }, density: { $0 < 10 ? 0.5 : 0.498 })
        let report = ConservationReport(bathTemperature: 0.1, runs: [("run-000", up), ("run-001", down)])
        let first = try #require(report.runMeanDensities[0])
        #expect(first.initial == 0.5 && first.minimum == 0.5 && first.maximum == 0.501)
        #expect(abs(first.maxAbsDeviation - 1e-3) < 1e-15)
        let all = try #require(report.meanDensity)
        #expect(all.minimum == 0.498 && all.maximum == 0.501 && abs(all.maxAbsDeviation - 2e-3) < 1e-15)
        let json = report.summaryJSON()
        let density = try #require(json["mean_density"] as? [String: Any])
        #expect((density["per_run"] as? [Any])?.count == 2)
    }

    @Test("ensemble: mean of run means, errors added in quadrature / runs, mean drift")
    func ensemble() throws {
        let a = Self.series(count: 40, kinetic: { Int($0) / 2 % 2 == 0 ? 1.1 : 0.9 }, density: { _ in 0.5 })
        let b = Self.series(count: 40, kinetic: { _ in 1.2 }, density: { _ in 0.5 })
        let report = ConservationReport(bathTemperature: 1, runs: [("run-000", a), ("run-001", b)])
        let ratio = try #require(report.kineticTemperatureRatio)
        #expect(abs(ratio.mean - 1.1) < 1e-12)
        #expect(abs(ratio.standardError - 0.1 / 3 / 2) < 1e-12)
        #expect(ratio.points == 40)
    }

    @Test("older files without the columns, or no bath temperature: null with a reason, no error")
    func unavailable() throws {
        let old = RunTimeSeries(times: [0, 1, 2], kineticTemperature: nil, meanDensity: nil)
        let report = ConservationReport(bathTemperature: 0.1, runs: [("run-000", old)])
        #expect(report.kineticTemperatureRatio == nil && report.meanDensity == nil)
        #expect(report.unavailable["kinetic_temperature_ratio"]?.contains("run-000") == true)
        #expect(report.unavailable["mean_density"]?.contains("run-000") == true)
        let json = report.summaryJSON()
        #expect(json["kinetic_temperature_ratio"] is NSNull && json["mean_density"] is NSNull)
        let noBath = ConservationReport(
            bathTemperature: nil,
            runs: [("run-000", Self.series(count: 10, kinetic: { _ in 0.1 }, density: { _ in 0.5 }))])
        #expect(noBath.kineticTemperatureRatio == nil && noBath.meanDensity != nil)
        #expect(noBath.unavailable["kinetic_temperature_ratio"]?.contains("temperature") == true)
    }

    @Test("timeseries.csv: empty cells are NaN, a last line still being written is skipped, missing columns nil")
    func reading() throws {
        let scratch = try TemporaryDirectory()
        let url = scratch.file("timeseries.csv")
        try Data(
            """
            step,time,kinetic_temperature,potential_energy,mean_q,staggered_q,mean_density
            0,0.0,0.5,,0.1,0,0.5
            10,0.5,,,0.1,0,0.5
            20,1.0,0.3,,0.1,0,0.5
            30,1.5,0.2
            """.utf8
        ).write(to: url)
        let series = try RunTimeSeries.read(url)
        #expect(series.times == [0, 0.5, 1.0])
        #expect(series.kineticTemperature?[0] == 0.5 && series.kineticTemperature?[1].isNaN == true)
        #expect(series.meanDensity == [0.5, 0.5, 0.5])
        try Data("step,time\n0,0\n1,1\n".utf8).write(to: url)
        let old = try RunTimeSeries.read(url)
        #expect(old.times == [0, 1] && old.kineticTemperature == nil && old.meanDensity == nil)
        try Data("step,energy\n0,1\n".utf8).write(to: url)
        #expect(throws: AnalysisError.self) { try RunTimeSeries.read(url) }
    }

    @Test("analyzeEnsemble reads each run's timeseries.csv: kinetic temperature = bath kT gives ratio 1")
    func fromRunDirectory() throws {
        let scratch = try TemporaryDirectory()
        let runs = scratch.file("runs")
        _ = try writeGrowingDomains(runs, size: 8, exponent: 0.5, levels: 3, runs: 2)  // params: temperature 0.1
        let dense = (0...20).map { "\($0 * 10),\(Double($0) * 0.5),0.1,,0,0,0.5\n" }.joined()
        for run in 0..<2 {
            try replaceTimeseries(
                runs, run: run,
                csv: "step,time,kinetic_temperature,potential_energy,mean_q,staggered_q,mean_density\n"
                    + dense)
        }
        let complete = try analyzeEnsemble(try RunEnsemble.open(runs), options: AnalysisOptions(threads: 1))
        let ratio = try #require(complete.conservation.kineticTemperatureRatio)
        #expect(abs(ratio.mean - 1) < 1e-12 && abs(ratio.driftPerTime) < 1e-12)
        #expect(complete.conservation.window == 5...10)
        let older = (0...20).map { "\($0 * 10),\(Double($0) * 0.5)\n" }.joined()
        try replaceTimeseries(runs, run: 1, csv: "step,time\n" + older)
        let analysis = try analyzeEnsemble(try RunEnsemble.open(runs), options: AnalysisOptions(threads: 1))
        #expect(analysis.conservation.kineticTemperatureRatio == nil)
        #expect(analysis.conservation.unavailable["kinetic_temperature_ratio"]?.contains("run-001") == true)
    }
}
