import ForceModels
import Testing
import Training

@Suite("Learning-rate schedule and early stopping")
struct ScheduleTests {
    @Test("Reduce-on-plateau waits `patience` flat epochs, then multiplies the rate by the factor")
    func plateau() {
        var s = ReduceOnPlateau(initialRate: 1e-3, factor: 0.75, patience: 5)
        var reductions: [Bool] = []
        for loss in [1.0, 1, 1, 1, 1, 1, 1] { reductions.append(s.record(loss)) }
        // First epoch sets the best; 5 flat epochs are tolerated; the 6th flat one reduces.
        #expect(reductions == [false, false, false, false, false, false, true])
        #expect(abs(s.rate - 0.75e-3) < 1e-18)
        let improved = s.record(0.5)
        #expect(!improved)
        reductions = []
        for loss in [0.49999999, 0.49999999, 0.49999999, 0.49999999, 0.49999999, 0.6] {
            reductions.append(s.record(loss))
        }
        #expect(
            reductions == [false, false, false, false, false, true],
            "a change below the relative threshold is no improvement")
        #expect(abs(s.rate - 0.75 * 0.75e-3) < 1e-18)
        var floor = ReduceOnPlateau(initialRate: 1e-7, patience: 0, minimumRate: 1e-7)
        let a = floor.record(1), b = floor.record(1)
        #expect(!a && !b, "already at the minimum rate: nothing to reduce")
        #expect(floor.rate == 1e-7)
    }

    @Test("Cosine annealing starts at the initial rate, halves it mid-run and stays positive and decreasing")
    func cosine() {
        let rates = (0..<8).map { LearningRateSchedule.cosineRate(initial: 1e-3, epoch: $0, epochs: 8) }
        #expect(rates[0] == 1e-3)
        #expect(abs(rates[4] - 0.5e-3) < 1e-18, "epoch E/2 runs at half the rate")
        #expect(abs(rates[2] + rates[6] - 1e-3) < 1e-15, "symmetric about E/2: η(e) + η(E − e) = η₀")
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 } && rates.last! > 0)
        #expect(LearningRateSchedule.cosineRate(initial: 1e-3, epoch: 8, epochs: 8) < 1e-18)
    }

    @Test("Early stopping triggers after `patience` epochs without improvement, never without patience")
    func earlyStopping() {
        var e = EarlyStopping(patience: 3)
        var stops: [Bool] = []
        for loss in [1, 0.9, 0.95, 0.95, 0.91] { stops.append(e.record(loss)) }
        #expect(stops == [false, false, false, false, true])
        var never = EarlyStopping(patience: nil)
        var any = false
        for _ in 0..<100 { any = any || never.record(1) }
        #expect(!any)
    }
}
