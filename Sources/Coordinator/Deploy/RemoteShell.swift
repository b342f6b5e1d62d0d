import HostSystem
import SecureTransport

/// One node over the system's OpenSSH client, run by argv: BatchMode (never a password prompt),
/// host keys checked against the cluster's known_hosts, nothing interactive.
struct RemoteShell: Sendable {
    let node: String
    let address: String
    let user: String
    let port: Int
    let knownHosts: String
    let identity: String?
    let options: [String]
    /// One SSH connection per node, reused by every step (OpenSSH multiplexing); closed by `close()`.
    let controlPath: String?

    /// A socket path private to this process and node (short: Unix socket paths are limited).
    static func controlPath(for node: String) -> String? {
        let directory = "/tmp/meridian-ssh-\(ProcessIdentity.current)"
        do { try AtomicFile.makeDirectories(directory, mode: 0o700) } catch { return nil }
        return directory + "/\(node.prefix(40))"
    }

    /// A remote command line from argv words, each quoted for the remote POSIX shell.
    static func quote(_ words: [String]) -> String {
        words.map { word in
            word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:@,+".contains($0) } && !word.isEmpty
                ? word : "'" + word.replacingAll("'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    func run(_ command: String, input: [UInt8] = [], timeout: Duration = .seconds(60)) throws(CoordinatorError) -> CommandResult {
        var argv = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=\(knownHosts)",
                    "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", "-p", String(port)]
        if let identity { argv += ["-i", identity, "-o", "IdentitiesOnly=yes"] }
        if let controlPath { argv += ["-o", "ControlMaster=auto", "-o", "ControlPath=\(controlPath)", "-o", "ControlPersist=60"] }
        argv += options + ["\(user)@\(address)", "--", command]
        do {
            return try ChildProcess.run(argv, input: input, timeout: timeout)
        } catch {
            throw CoordinatorError(.remote, "\(node): cannot run ssh: \(error)")
        }
    }

    /// Ends the shared connection (the master exits once its sessions are done).
    func close() {
        guard let controlPath else { return }
        _ = try? ChildProcess.run(["ssh", "-o", "ControlPath=\(controlPath)", "-O", "exit", "-p", String(port), "\(user)@\(address)"],
                                  timeout: .seconds(5))
    }

    /// Runs and requires success; the error carries the step and the remote stderr.
    func check(_ step: String, _ command: String, input: [UInt8] = [], timeout: Duration = .seconds(60)) throws(DeployFailure) -> String {
        let result: CommandResult
        do { result = try run(command, input: input, timeout: timeout) } catch { throw DeployFailure(step: step, detail: error.detail) }
        guard result.succeeded else {
            let reason = result.timedOut ? "timed out" : "exit \(result.status)"
            throw DeployFailure(step: step, detail: "\(reason): \(result.stderr.trimmingWhitespace)")
        }
        return result.stdout
    }

    /// Writes `bytes` to a remote path atomically (temp file, mode, rename).
    func write(_ bytes: [UInt8], to path: String, mode: String, step: String) throws(DeployFailure) {
        let directory = AtomicFile.parentDirectory(of: path)
        let temporary = path + ".meridian-new"
        _ = try check(step, "mkdir -p \(Self.quote([directory])) && cat > \(Self.quote([temporary])) && chmod \(mode) \(Self.quote([temporary])) && mv -f \(Self.quote([temporary, path]))",
                      input: bytes, timeout: .seconds(120))
    }

    /// The remote file's content, or nil when it does not exist.
    func read(_ path: String, step: String) throws(DeployFailure) -> String? {
        let out = try check(step, "if [ -f \(Self.quote([path])) ]; then echo present; cat \(Self.quote([path])); else echo absent; fi")
        guard out.hasPrefix("present\n") else { return nil }
        return String(out.dropFirst("present\n".count))
    }
}

struct DeployFailure: Error, Sendable {
    var step: String
    var detail: String
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(ofLiteral: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    func range(ofLiteral literal: String) -> Range<Substring.Index>? {
        var start = startIndex
        while start < endIndex {
            if self[start...].hasPrefix(literal) { return start..<index(start, offsetBy: literal.count) }
            start = index(after: start)
        }
        return nil
    }
}
