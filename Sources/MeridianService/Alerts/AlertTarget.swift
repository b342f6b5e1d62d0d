import Coordinator
import HostSystem
import SecureTransport

/// What one delivery attempt came to.
enum DeliveryResult: Sendable, Equatable {
    case delivered
    /// `retry`: worth another attempt after a backoff (a webhook); an exec hook is run once.
    case failed(String, retry: Bool)
}

/// Where events go: a webhook, an exec hook, the journal. Each runs on a `TargetWorker`'s own
/// thread, so `deliver` may block (bounded by its own timeout).
protocol AlertTarget: Sendable {
    /// As shown in the service's status (`TargetHealth.target`).
    var name: String { get }
    func deliver(_ event: AlertEvent) -> DeliveryResult
}

/// HTTP POST of the event's JSON (over TLS with `tls`, for https://); 2xx is delivered,
/// anything else or no answer in `timeout` is retried by the worker.
struct WebhookTarget: AlertTarget {
    let url: WebhookURL
    let tls: TLSContext?
    let timeout: Duration
    var name: String { url.description }

    func deliver(_ event: AlertEvent) -> DeliveryResult {
        switch WebhookPost.send(event.json.encodedBytes(), to: url, tls: tls, timeout: timeout) {
        case .status(let code) where (200...299).contains(code): .delivered
        case .status(let code): .failed("HTTP \(code)", retry: true)
        case .failed(let why): .failed(why, retry: true)
        }
    }
}

/// Runs `argv` (never through a shell) with the event's JSON and a newline on stdin; killed
/// (with its process group) after `timeout`. Exit 0 is delivered; anything else is logged and
/// counted, not retried: a hook may have acted before it failed, and running it twice could
/// page someone twice.
struct ExecTarget: AlertTarget {
    let argv: [String]
    let timeout: Duration
    let name: String

    func deliver(_ event: AlertEvent) -> DeliveryResult {
        let program = argv.first ?? "?"
        let result: CommandResult
        do {
            result = try ChildProcess.run(argv, input: event.json.encodedBytes() + [UInt8(ascii: "\n")], timeout: timeout, maxOutput: 4096)
        } catch {
            return .failed("\(program): \(error)", retry: false)
        }
        if result.timedOut { return .failed("\(program) killed after \(Self.seconds(timeout)) (exec_timeout_seconds)", retry: false) }
        guard result.status == 0 else {
            let said = result.stderr.split(separator: "\n").first.map { ": " + TerminalText.escaped($0.prefix(200)) } ?? ""
            return .failed("\(program) exited with status \(result.status)\(said)", retry: false)
        }
        return .delivered
    }

    static func seconds(_ duration: Duration) -> String {
        let value = duration.seconds
        return value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// One line per event on stderr, with the syslog priority prefix journald reads.
struct JournalTarget: AlertTarget {
    let write: @Sendable (String) -> Void
    var name: String { "journal" }

    func deliver(_ event: AlertEvent) -> DeliveryResult {
        write(JournalLine.render(event) + "\n")
        return .delivered
    }
}
