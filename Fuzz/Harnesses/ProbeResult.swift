import WireProtocol

/// What a coordinator does with an agent's `time.probe` answer: the result JSON decodes as a
/// `ProbeResult` or throws `RPCError`, and the clock sample built from it (with the
/// coordinator's own t1/t4) has a real offset and delay. An agent is a peer, not trusted input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProbeResult(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    guard let json = try? JSONValue(parsing: input.bytes) else { return 0 }
    let result: ProbeResult
    do {
        result = try RPCCodec.decode(ProbeResult.self, from: json)
    } catch {
        require(error.code == RPCError.invalidParams, "decode failed with code \(error.code)")
        return 0
    }
    for stamp in [result.receive, result.send] {
        require((0..<1_000_000_000).contains(stamp.nanoseconds), "nanoseconds \(stamp.nanoseconds)")
    }
    let t1 = Timestamp(seconds: 1_764_000_000, nanoseconds: 0)
    let t4 = Timestamp(seconds: 1_764_000_000, nanoseconds: 2_000_000)
    let sample = ClockSample(t1: t1, t2: result.receive, t3: result.send, t4: t4)
    require(sample.offset.isFinite && sample.delay.isFinite, "offset \(sample.offset), delay \(sample.delay)")
    return 0
}
