import HostSystem
import ArgumentParser
import ClockSync
import Coordinator
import SecureTransport

/// `--cluster FILE` and what every cluster command needs from it.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Cluster file (default: $MERIDIAN_CLUSTER, else /etc/meridian/cluster.json).") var cluster: String?
    @Option(help: "Coordinator certificate directory (default: the cluster file's certs_dir).") var certs: String?

    /// The validated cluster file and a TLS context; an invalid file stops here, before any
    /// agent is contacted.
    func load() throws -> (ClusterFile, TLSContext, String) {
        let path = ClusterFileStore.path(flag: cluster)
        do {
            let file = try ClusterFileStore.load(path)
            let context = try CertificateDirectory(path: certs ?? file.certificateDirectory).coordinatorContext()
            return (file, context, path)
        } catch {
            throw fail("\(error)", code: ExitStatus.unknown)
        }
    }
}

/// Where this executable and its sibling agent live (the lab starts both).
enum Executables {
    static var meridian: String { AtomicFile.symlinkTarget("/proc/self/exe") ?? CommandLine.arguments[0] }
    static var agent: String { AtomicFile.parentDirectory(of: meridian) + "/meridian-agent" }
}
