import HostSystem
import ClockSync
import SecureTransport
import WireProtocol

/// `chrony.apply`: render chrony.conf from the coordinator's intent and this node's own settings,
/// write it atomically (keeping the original and recent backups), restart chrony, and wait until
/// it serves (time server) or selected one of the intent's servers (client). If chrony does not
/// come up or selects nothing in time, the previous file is put back, chrony restarted, and the
/// failure reported with its evidence. `chrony.preview` renders the same file and writes nothing.
struct ChronyApplyAction: Sendable {
    let node: String
    let commands: AgentCommands
    let files: ManagedFiles
    let local: ChronyLocalSettings
    let runner: CommandRunner
    let maxWaitSeconds: Double

    /// What this node would get: chrony.conf, and the keyfile (nil: none, and any there goes).
    struct Rendered { var config: String; var keyFile: String? }

    /// The files this node would get. The intent was validated when it was decoded; the node
    /// check is here because only the agent knows its own name.
    func render(_ intent: ChronyIntent) throws(RPCError) -> Rendered {
        guard intent.node.description.lowercased() == node.lowercased() else {
            throw RPCError.invalidParams("field \"intent.node\": \"\(intent.node)\" is not this node (\(node))")
        }
        do { try intent.validate() } catch { throw RPCError.invalidParams("field \"intent.\(error.field)\": \"\(error.value)\" \(error.problem)") }
        var settings = local
        settings.backupDirectory = files.backupDirectory
        settings.keyFile = files.keyFile
        return Rendered(config: ChronyConf.render(intent, local: settings),
                        keyFile: intent.authenticates ? ChronyKeyFile.render(intent.keys, cluster: intent.cluster) : nil)
    }

    /// The plan's view: chrony.conf in full (it holds key ids, never keys) and the keyfile as
    /// ids only.
    func preview(_ params: ChronyPreviewParams) throws(RPCError) -> ChronyPreviewResult {
        let rendered = try render(params.intent)
        let current = files.readText(files.chronyConf)
        let currentKeys = files.readText(files.keyFile)
        let keysChanged = currentKeys != rendered.keyFile
        var keys: ChronyPreviewResult.KeysPreview?
        if currentKeys != nil || rendered.keyFile != nil {
            keys = .init(currentIDs: ChronyKeyFile.ids(in: currentKeys ?? ""), plannedIDs: params.intent.keys.map(\.id).sorted(), changed: keysChanged)
        }
        return ChronyPreviewResult(config: rendered.config, current: current, changed: current != rendered.config || keysChanged, keys: keys)
    }

    func run(_ params: ChronyApplyParams) throws(RPCError) -> ChronyApplyResult {
        let rendered = try render(params.intent)
        let config = rendered.config
        let role = params.intent.role
        AtomicFile.removeStaleTemporaries(of: files.chronyConf)
        AtomicFile.removeStaleTemporaries(of: files.keyFile)
        let previous = files.readText(files.chronyConf)
        let previousKeys = files.readText(files.keyFile)
        let keysChanged = previousKeys != rendered.keyFile
        if previous == config && !keysChanged {
            // An earlier apply that died between writing the file and restarting chrony owes
            // the restart: chronyd still runs the old file, or none at all.
            guard AtomicFile.exists(restartPending) else {
                return ChronyApplyResult(changed: false, backup: nil, selected: nil, waitedSeconds: 0)
            }
            return try restartOwed(params)
        }
        let backup = previous == config ? nil : try keepBackups(of: previous)
        if keysChanged { try keepKeyBackup(previousKeys) }
        try markRestartPending()
        // The keyfile first: a chrony.conf never names keys its keyfile does not have yet.
        if keysChanged {
            do { try writeKeys(rendered.keyFile) } catch {
                // Nothing else was touched: the previous keyfile goes back (best effort).
                try? writeKeys(previousKeys)
                AtomicFile.remove(restartPending)
                throw error
            }
        }
        if previous != config { try write(config, stage: "write chrony.conf") }
        let start = ContinuousClock.now
        // Only the keys changed (a rotation's step on a time server): `chronyc rekey` reloads
        // them without a restart, so the clients it serves never see it go away. Only source
        // keys changed (a client switching keys): those sources are swapped at run time.
        let swaps = previous.flatMap { ChronyConf.sourceKeyChanges(from: $0, to: config) }
        // A restarted time server must hold UDP 123 itself (ChronyApplyAction+Serving).
        let portBefore = previous != config && swaps == nil && role == .server && checksNTPPort ? ntpPortSockets() : nil
        let (restarted, reached, seen) = previous == config ? rekeyAndWait(params)
            : swaps.map { swapAndWait($0, params) } ?? restartAndWait(params)
        var evidence = seen
        var selected = reached
        var portTaken = false
        if reached != nil, let taken = ntpPortTakenByAnother(before: portBefore) {
            evidence.append(taken)
            selected = nil
            portTaken = true
        }
        guard let selected else {
            let stage = portTaken ? "serve NTP on UDP 123"
                : restarted ? "wait for chrony to \(role == .server ? "serve" : "select a time server")" : "restart chrony"
            let rolledBack = rollBack(to: previous, keys: keysChanged ? .some(previousKeys) : nil, evidence: &evidence)
            if rolledBack { AtomicFile.remove(restartPending) }
            throw RPCError(code: RPCError.actionFailed,
                           message: "\(stage) failed; \(rolledBack ? "previous chrony.conf restored and chrony restarted" : "rollback FAILED, see evidence")",
                           data: try? RPCCodec.encode(ActionFailure(stage: stage, rolledBack: rolledBack, evidence: evidence)))
        }
        AtomicFile.remove(restartPending)
        // Authentication turned off: no key stays on the node, not even in a backup.
        if rendered.keyFile == nil { AtomicFile.remove(files.keyBackup) }
        let waited = ContinuousClock.now - start
        return ChronyApplyResult(changed: true, backup: backup, selected: selected, waitedSeconds: waited.seconds)
    }

    /// `chronyc rekey`, then each changed source deleted and added again with its new key
    /// (`chronyc add` takes the chrony.conf line's own words); chronyd keeps its tracking meanwhile.
    /// Any failure falls back to a restart.
    func swapAndWait(_ lines: [String], _ params: ChronyApplyParams) -> (restarted: Bool, selected: String?, evidence: [CommandOutput]) {
        var evidence: [CommandOutput] = []
        let rekey = runner.run(commands.chronyc + ["rekey"], timeout: .seconds(10))
        evidence.append(rekey)
        guard rekey.succeeded else { return restartAndWait(params) }
        for line in lines {
            let words = line.split(separator: " ").map(String.init)
            guard words.count >= 2 else { return restartAndWait(params) }
            let delete = runner.run(commands.chronyc + ["delete", words[1]], timeout: .seconds(10))
            let add = runner.run(commands.chronyc + ["add"] + words, timeout: .seconds(10))
            evidence += [delete, add]
            guard delete.succeeded, add.succeeded else { return restartAndWait(params) }
        }
        let wait = min(params.waitSeconds, maxWaitSeconds)
        let (selected, seen) = waitForSync(role: params.intent.role, servers: Set(params.intent.serverAddresses),
                                           timeout: .seconds(wait), evidence: evidence)
        return (true, selected, seen)
    }

    /// `chronyc rekey`, then the same wait as after a restart; a failed rekey falls back to a restart.
    func rekeyAndWait(_ params: ChronyApplyParams) -> (restarted: Bool, selected: String?, evidence: [CommandOutput]) {
        let rekey = runner.run(commands.chronyc + ["rekey"], timeout: .seconds(10))
        guard rekey.succeeded else { return restartAndWait(params) }
        let wait = min(params.waitSeconds, maxWaitSeconds)
        let (selected, evidence) = waitForSync(role: params.intent.role, servers: Set(params.intent.serverAddresses),
                                               timeout: .seconds(wait), evidence: [rekey])
        return (true, selected, evidence)
    }

    /// Marks "chrony.conf is (about to be) new and chrony not yet restarted on it"; removed once
    /// chrony runs the new file (or the old one is back). Kept beside the backups.
    var restartPending: String { files.backupDirectory + "/" + ChronyBackups.restartPendingName }

    func markRestartPending() throws(RPCError) {
        do {
            try AtomicFile.makeDirectories(files.backupDirectory, mode: 0o700)
            try AtomicFile.write(Array("chrony.conf written by Meridian; chrony restart pending\n".utf8), to: restartPending, mode: 0o600)
        } catch {
            throw RPCError(code: RPCError.actionFailed, message: "cannot record the pending chrony restart: \(error)")
        }
    }

    /// The file is already the wanted one but chrony was never restarted on it: restart, wait,
    /// and report it as a change. On failure the marker stays, so the next apply tries again.
    func restartOwed(_ params: ChronyApplyParams) throws(RPCError) -> ChronyApplyResult {
        let start = ContinuousClock.now
        let (restarted, selected, evidence) = restartAndWait(params)
        guard let selected else {
            let stage = restarted ? "wait for chrony after the restart an interrupted apply owed" : "restart chrony (owed by an interrupted apply)"
            throw RPCError(code: RPCError.actionFailed, message: "\(stage) failed; chrony.conf left as written, the next apply retries",
                           data: try? RPCCodec.encode(ActionFailure(stage: stage, rolledBack: false, evidence: evidence)))
        }
        AtomicFile.remove(restartPending)
        return ChronyApplyResult(changed: true, backup: nil, selected: selected, waitedSeconds: (ContinuousClock.now - start).seconds)
    }

    /// Restarts chrony and, when that worked, waits (at most the agent's own bound) until it
    /// serves or selected one of the intent's servers; returns what it saw as evidence.
    func restartAndWait(_ params: ChronyApplyParams) -> (restarted: Bool, selected: String?, evidence: [CommandOutput]) {
        let restart = runner.run(commands.restartChrony, timeout: .seconds(30))
        guard restart.succeeded else { return (false, nil, [restart]) }
        let wait = min(params.waitSeconds, maxWaitSeconds)
        let (selected, evidence) = waitForSync(role: params.intent.role, servers: Set(params.intent.serverAddresses),
                                               timeout: .seconds(wait), evidence: [restart])
        return (true, selected, evidence)
    }

    /// Polls chronyc until the node serves or selected a cluster time server: every 100 ms, one
    /// chronyc a poll (a server is told by `tracking`, a client by `sources`; a client selects
    /// within ~1 s of an iburst start, so a coarser poll was most of what apply added to chrony's
    /// own time). On time-out both reports go into the evidence.
    func waitForSync(role: ChronyIntent.Role, servers: Set<String>, timeout: Duration, evidence: [CommandOutput]) -> (String?, [CommandOutput]) {
        let deadline = ContinuousClock.now + timeout
        func tracking() -> CommandOutput { runner.run(commands.chronyc + ["-c", "tracking"], timeout: .seconds(5)) }
        func sources() -> CommandOutput { runner.run(commands.chronyc + ["-c", "sources"], timeout: .seconds(5)) }
        var last: CommandOutput
        repeat {
            if role == .server {
                last = tracking()
                if last.succeeded, let parsed = try? ChronyTracking(csv: last.stdout), parsed.isLocalReference || parsed.isSynchronised {
                    return (parsed.isLocalReference ? "LOCAL" : parsed.referenceName, evidence)
                }
            } else {
                last = sources()
                if last.succeeded, let parsed = try? ChronySources.parse(csv: last.stdout),
                   let chosen = parsed.selected, servers.contains(chosen.address) {
                    return (chosen.address, evidence)
                }
            }
            ChildProcess.sleep(.milliseconds(100))
        } while ContinuousClock.now < deadline
        return (nil, evidence + (role == .server ? [last, sources()] : [tracking(), last]))
    }

    /// Keeps the pre-Meridian file once, plus the last few versions with a timestamp.
    func keepBackups(of previous: String?) throws(RPCError) -> String? {
        guard let previous else { return nil }
        do {
            try AtomicFile.makeDirectories(files.backupDirectory, mode: 0o700)
            if !AtomicFile.exists(files.original) {
                try AtomicFile.write(Array(previous.utf8), to: files.original, mode: 0o644)
            }
            let now = WallClock.now()
            let path = "\(files.backupDirectory)/\(ChronyBackups.timestampedPrefix)\(now.seconds).\(String(now.nanoseconds / 1_000_000).leftPadded(3))"
            try AtomicFile.write(Array(previous.utf8), to: path, mode: 0o644)
            let timestamped = AtomicFile.list(files.backupDirectory)
                .filter { $0.hasPrefix(ChronyBackups.timestampedPrefix) && $0 != ChronyBackups.originalName }
            for old in timestamped.dropLast(ChronyBackups.kept) { AtomicFile.remove("\(files.backupDirectory)/\(old)") }
            return path
        } catch {
            throw RPCError(code: RPCError.actionFailed, message: "cannot back up chrony.conf: \(error)")
        }
    }

    func write(_ text: String, stage: String) throws(RPCError) {
        do {
            try AtomicFile.makeDirectories(AtomicFile.parentDirectory(of: files.chronyConf))
            try AtomicFile.write(Array(text.utf8), to: files.chronyConf, mode: 0o644)
        } catch {
            throw RPCError(code: RPCError.actionFailed, message: "\(stage): \(error)")
        }
    }

    /// Puts the previous chrony.conf (and, when `keys` is set, the previous keyfile or its
    /// absence) back and restarts chrony.
    func rollBack(to previous: String?, keys: String??, evidence: inout [CommandOutput]) -> Bool {
        do {
            if let keys { try writeKeys(keys) }
            if let previous { try AtomicFile.write(Array(previous.utf8), to: files.chronyConf, mode: 0o644) } else { AtomicFile.remove(files.chronyConf) }
        } catch {
            evidence.append(CommandOutput(command: ["rollback"], status: 1, stdout: "", stderr: "\(error)", timedOut: false))
            return false
        }
        let restart = runner.run(commands.restartChrony, timeout: .seconds(30))
        evidence.append(restart)
        return restart.succeeded
    }
}
