import Coordinator
import HostSystem
import Testing

/// `FanOut.map` with a deadline: a stuck item gets its timed-out result at the deadline, a fresh
/// worker takes its place, and the caller is not held by it. No network: the work is sleeps.
@Suite struct FanOutDeadlineTests {
    @Test(arguments: [1, 2, 8])
    func aStuckItemTimesOutAndTheRestStillRun(concurrency: Int) async {
        let started = ContinuousClock.now
        let results = await FanOut.map(Array(0..<6), concurrency: concurrency, deadline: .milliseconds(400),
                                       timedOut: { "timed out \($0)" }) { item -> String in
            ChildProcess.sleep(item == 2 ? .seconds(6) : .milliseconds(50))
            return "done \(item)"
        }
        let elapsed = (ContinuousClock.now - started).seconds
        #expect(results == ["done 0", "done 1", "timed out 2", "done 3", "done 4", "done 5"])
        // Without the deadline: at least 6 s (item 2's sleep). With it: 0.4 s plus the others'.
        #expect(elapsed < 3, "took \(elapsed) s")
    }

    /// The control: nothing past the deadline, every result is the work's own.
    @Test func quickItemsAreTheirOwnResults() async {
        let results = await FanOut.map(Array(0..<20), concurrency: 4, deadline: .seconds(5), timedOut: { _ in -1 }) { $0 * 2 }
        #expect(results == (0..<20).map { $0 * 2 })
        #expect(await FanOut.map([Int](), concurrency: 4, deadline: .seconds(1), timedOut: { $0 }) { $0 }.isEmpty)
    }
}
