/// The survey durations seen since the service started, as a Prometheus histogram: cumulative
/// bucket counts, the sum and the count. A value; the owner keeps it behind a lock.
public struct SurveyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds. A healthy loopback survey takes well under a second; a node
    /// timing out takes the survey timeout (10 s by default), so the buckets reach past it.
    public static let defaultBounds: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    public private(set) var bounds: [Double]
    /// Observations per bucket (not cumulative); the last entry counts those above every bound.
    public private(set) var counts: [Int]
    public private(set) var sum: Double = 0
    public private(set) var count: Int = 0

    public init(bounds: [Double] = SurveyHistogram.defaultBounds) {
        self.bounds = bounds.sorted()
        counts = Array(repeating: 0, count: bounds.count + 1)
    }

    /// A negative or non-finite duration (a clock stepped mid-survey) is not a duration: dropped.
    public mutating func observe(_ seconds: Double) {
        guard seconds.isFinite, seconds >= 0 else { return }
        let index = bounds.firstIndex { seconds <= $0 } ?? bounds.count
        counts[index] &+= 1
        count &+= 1
        sum += seconds
    }

    /// `(upper bound, cumulative count)` pairs, ending with `+Inf` = `count`.
    public var cumulative: [(bound: Double, count: Int)] {
        var running = 0
        var result: [(bound: Double, count: Int)] = []
        for (index, bound) in bounds.enumerated() {
            running &+= counts[index]
            result.append((bound, running))
        }
        result.append((.infinity, count))
        return result
    }
}
