import HostSystem

/// What the container lab takes from the source tree: the base root filesystem
/// (`$MERIDIAN_LAB_BASE` when set, else whatever scripts/lab-image.sh builds or reuses — it caches
/// one base per package list under /var/cache/meridian-lab and prints its path last) and the
/// lab's timestamp shim, compiled for the nodes.
public enum ContainerBaseImage {
    /// The source tree: the working directory, or the one `swift build` put this binary in.
    static func sourceTree(meridianBinary: String) -> String? {
        let bin = AtomicFile.parentDirectory(of: meridianBinary)  // .build/<triple>/debug
        return [".", bin + "/../../..", bin + "/../.."].first { AtomicFile.isRegularFile($0 + "/scripts/lab-image.sh") }
    }

    public static func locate(meridianBinary: String, log: (String) -> Void) throws(CoordinatorError) -> String {
        if let base = ChildProcess.inheritedEnvironment["MERIDIAN_LAB_BASE"], !base.isEmpty { return base }
        guard let tree = sourceTree(meridianBinary: meridianBinary) else {
            throw CoordinatorError(.lab, "cannot find scripts/lab-image.sh (run from the source tree, or set MERIDIAN_LAB_BASE to a base root filesystem)")
        }
        let script = tree + "/scripts/lab-image.sh"
        let result: CommandResult
        do { result = try ChildProcess.run(["bash", script], timeout: .seconds(1800)) } catch {
            throw CoordinatorError(.lab, "cannot run \(script): \(error)")
        }
        for line in result.stderr.split(separator: "\n") { log(String(line)) }
        guard result.succeeded, let base = result.stdout.split(separator: "\n").last.map({ String($0).trimmingWhitespace }), !base.isEmpty else {
            throw CoordinatorError(.lab, "\(script) failed (exit \(result.status)): \(result.stderr.trimmingWhitespace)")
        }
        return base
    }

    /// The shim `swift build` makes links the Swift runtime, which the nodes do not have; the
    /// lab compiles the same C file (Sources/LabTimestampShim) with the system's cc instead.
    static func compileTimestampShim(meridianBinary: String, into directory: String) throws(CoordinatorError) -> String {
        guard let tree = sourceTree(meridianBinary: meridianBinary) else {
            throw CoordinatorError(.lab, "cannot find Sources/LabTimestampShim (run from the source tree)")
        }
        let source = tree + "/Sources/LabTimestampShim"
        let output = directory + "/" + ContainerNodeFiles.shimName
        do { try AtomicFile.makeDirectories(directory, mode: 0o755) } catch { throw CoordinatorError(.lab, "cannot make \(directory): \(error)") }
        try Host.run(["cc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-I", source + "/include", "-o", output,
                      source + "/no_kernel_timestamps.c", "-ldl"], "compile the lab's timestamp shim")
        return output
    }
}
