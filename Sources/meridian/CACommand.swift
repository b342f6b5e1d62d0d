import ArgumentParser
import Coordinator
import SecureTransport

struct CA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca", abstract: "Create the cluster CA, issue agent and operator certificates, revoke them.",
        subcommands: [Init.self, Issue.self, IssueOperator.self, Revoke.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the cluster CA and the coordinator certificate (ECDSA P-256).")
        @Option(help: "Certificate directory.") var dir = "/etc/meridian/certs"
        @Option(help: "Cluster name written into the CA's subject.") var clusterName = "meridian"
        @Flag(help: "Replace existing keys.") var force = false

        func run() throws {
            do {
                let files = try PKI.initAuthority(in: dir, clusterName: clusterName, force: force)
                print("wrote \(files.caCertificate), \(files.caKey), \(files.coordinatorCertificate), \(files.coordinatorKey)")
            } catch { throw fail("\(error)") }
        }
    }

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an agent certificate for NODE (SAN: the node name and its address).")
        @Argument(help: "Node name, as in the cluster file.") var node: String
        @Option(help: "The node's IP address.") var address: String
        @Option(help: "Certificate directory holding ca.pem and ca.key.") var dir = "/etc/meridian/certs"
        @Flag(help: "Replace an existing certificate and key.") var force = false

        func run() throws {
            do {
                let files = try PKI.issueAgent(node: node, address: address, in: dir, force: force)
                print("wrote \(files.certificate), \(files.key) (CA: \(files.caCertificate))")
            } catch { throw fail("\(error)") }
        }
    }

    struct IssueOperator: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue-operator",
            abstract: "Issue an operator certificate for the JSON API of `meridian serve` (DIR/NAME.pem, DIR/NAME.key).")
        @Argument(help: "Operator name (letters, digits, hyphens), e.g. ci-bot.") var name: String
        @Flag(help: "A read-only operator: may query, never apply or set clocks.") var readOnly = false
        @Option(help: "Where NAME.pem and NAME.key are written.") var dir: String
        @Option(help: "Certificate directory holding the cluster CA (ca.pem, ca.key).") var certs = "/etc/meridian/certs"
        @Flag(help: "Replace an existing certificate and key.") var force = false

        func run() throws {
            do {
                let files = try PKI.issueOperator(name: name, readOnly: readOnly, certificates: certs, outputDirectory: dir, force: force)
                print("wrote \(files.certificate), \(files.key) (\(readOnly ? "read-only operator" : "operator"); the client trusts \(files.caCertificate))")
            } catch { throw fail("\(error)") }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke every certificate issued to NAME (operator, agent or coordinator) and rewrite crl.pem.")
        @Argument(help: "The certificate's name: an operator, a node, or coordinator.") var name: String
        // --dir as `ca init` and `ca issue` name the same directory; --certs as `issue-operator`.
        @Option(name: [.customLong("certs"), .customLong("dir")],
                help: "Certificate directory holding the cluster CA and its records.") var certs = "/etc/meridian/certs"

        func run() throws {
            do {
                let revocation = try PKI.revoke(name: name, in: certs)
                let listed = revocation.serials.isEmpty ? "nothing new" : revocation.serials.joined(separator: ", ")
                let already = revocation.alreadyRevoked.isEmpty ? "" : "; already revoked: \(revocation.alreadyRevoked.joined(separator: ", "))"
                print("\(name): revoked \(listed)\(already); wrote \(revocation.revocationList) (run `meridian deploy` to give it to the agents; a running `meridian serve` reads it within a second and closes the revoked operator's connections)")
            } catch { throw fail("\(error)") }
        }
    }
}
