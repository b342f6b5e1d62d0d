import ClockSync

/// The cluster file: `parse(json:)` throws `ClusterFileError` naming a path, or gives a file that
/// passes its own validation and whose `jsonText()` parses back to the same file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClusterFile(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let zones: (String) -> Bool = { $0 == "UTC" || $0 == "Europe/Berlin" || $0 == "Asia/Jakarta" }
    let file: ClusterFile
    do {
        file = try ClusterFile.parse(json: input.bytes, timezoneExists: zones)
    } catch {
        require(!error.path.isEmpty && !error.problem.isEmpty, "error without a path or problem: \(error)")
        return 0
    }
    require((1...3).contains(file.timeServers.count), "\(file.timeServers.count) time servers")
    require(file.maxOffsetSeconds > 0 && file.maxOffsetSeconds <= 10, "max offset \(file.maxOffsetSeconds)")
    do {
        let again = try ClusterFile.parse(json: Array(file.jsonText().utf8), timezoneExists: zones)
        require(again == file, "jsonText() does not round-trip:\n\(file.jsonText())")
    } catch {
        require(false, "jsonText() does not parse: \(error)\n\(file.jsonText())")
    }
    return 0
}
