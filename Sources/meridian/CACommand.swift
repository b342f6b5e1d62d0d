import ArgumentParser
import Coordinator
import SecureTransport

struct CA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca", abstract: "Create the cluster CA and issue agent certificates.",
        subcommands: [Init.self, Issue.self])

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
}
