import Coordinator
import HostSystem
import Synchronization
import Testing

/// `FanOut.map` with a deadline: a stuck item gets its timed-out result at the deadline, a fresh
/// worker takes its place, and the caller is not held by it. No network: the work is sleeps.
@Suite struct FanOutDeadlineTests {
    @Test(arguments: [1, 2, 8])
    func aStuckItemTimesOutAndTheRestStillRun(concurrency: Int) async {
        let started = ContinuousClock.now
        let stuckFinished = Mutex(false)
        let cutBeforeTheStuckItemEnded = Mutex<Bool?>(nil)
        let results = await FanOut.map(Array(0..<6), concurrency: concurrency, deadline: .milliseconds(400),
                                       timedOut: { item in
                                           cutBeforeTheStuckItemEnded.withLock { $0 = !stuckFinished.withLock { $0 } }
                                           return "timed out \(item)"
                                       }) { item -> String in
            ChildProcess.sleep(item == 2 ? .seconds(20) : .milliseconds(50))
            if item == 2 { stuckFinished.withLock { $0 = true } }
            return "done \(item)"
        }
        let elapsed = (ContinuousClock.now - started).seconds
        #expect(results == ["done 0", "done 1", "timed out 2", "done 3", "done 4", "done 5"])
        // Without the deadline the caller waits for item 2's 20 s sleep; with it, 0.4 s plus the
        // others'. Judged on the threads FanOut owns (the watchdog cut item 2 while it still
        // slept), not by when this task runs again: in a full parallel test run that may wait
        // seconds for a cooperative thread.
        #expect(cutBeforeTheStuckItemEnded.withLock { $0 } == true, "item 2 was cut only after it ended (\(elapsed) s)")
    }

    /// The control: nothing past the deadline, every result is the work's own.
    @Test func quickItemsAreTheirOwnResults() async {
        let results = await FanOut.map(Array(0..<20), concurrency: 4, deadline: .seconds(5), timedOut: { _ in -1 }) { $0 * 2 }
        #expect(results == (0..<20).map { $0 * 2 })
        #expect(await FanOut.map([Int](), concurrency: 4, deadline: .seconds(1), timedOut: { $0 }) { $0 }.isEmpty)
    }
}
