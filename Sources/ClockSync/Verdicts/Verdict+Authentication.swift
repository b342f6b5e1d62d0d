/// What `ntp_auth: keys` adds to the verdicts, from `chronyc -c authdata` beside the sources.
/// A wrong key does not show on the client as such: the server drops a request it cannot
/// authenticate, so the source looks silent (reach 0, captured in
/// Fixtures/chrony/client-auth-wrong-key). What tells it apart from a dead server is the
/// server's own verdict (it serves) and the client's counters (`ntpdata`: many requests sent,
/// no valid answer), so a client that just restarted is not accused.
extension Verdict {
    /// Per node: each cluster source that chrony does not authenticate, and whether the selected
    /// source is authenticated.
    static func authenticationFindings(_ facts: NodeFacts, in cluster: ClusterFile) -> [Finding] {
        guard cluster.ntpAuth == .keys, facts.unreachable == nil, facts.tracking != nil else { return [] }
        let name = facts.node
        guard let auth = facts.authData else {
            return [Finding(.warning, "\(name): authentication of its sources unknown (no `chronyc -c authdata` report)")]
        }
        var findings: [Finding] = []
        let servers = cluster.timeServerNodes.filter { $0.name.description != name }
        for server in servers {
            let address = server.address.description
            guard let source = auth.source(address) else { continue }
            if !source.isAuthenticated {
                findings.append(Finding(.warning, "\(name): source \(server.name) (\(address)) is not authenticated, although ntp_auth is keys"))
            }
        }
        if let selected = facts.sources?.selected {
            let label = cluster.nodes.first { $0.address.description == selected.address }.map { "\($0.name) (\(selected.address))" } ?? selected.address
            if auth.source(selected.address)?.isAuthenticated == true {
                findings.append(Finding(.ok, "\(name): selected source \(label) is authenticated"))
            } else {
                findings.append(Finding(.warning, "\(name): selected source \(label) is not authenticated"))
            }
        }
        return findings
    }

    /// Whether the node's selected source is authenticated (nil when unknown or none selected).
    public static func selectedSourceIsAuthenticated(_ facts: NodeFacts) -> Bool? {
        guard let selected = facts.sources?.selected, let auth = facts.authData else { return nil }
        return auth.source(selected.address)?.isAuthenticated ?? false
    }

    /// Across nodes: a client whose keyed source got no valid answer to many requests while that
    /// time server serves fails authentication with it (wrong or missing key on one side).
    static func authenticationFailures(_ facts: [NodeFacts], _ verdicts: inout [NodeVerdict], in cluster: ClusterFile) {
        guard cluster.ntpAuth == .keys else { return }
        let serving = Set(verdicts.filter { $0.serves }.map(\.node))
        for (index, nodeFacts) in facts.enumerated() where !cluster.isTimeServer(nodeFacts.node) && index < verdicts.count {
            guard let sources = nodeFacts.sources, let auth = nodeFacts.authData, let counters = nodeFacts.ntpData else { continue }
            for server in cluster.timeServerNodes where serving.contains(server.name.description) {
                let address = server.address.description
                guard let source = sources.sources.first(where: { $0.address == address }), source.neverHeard,
                      let keyed = auth.source(address), keyed.isAuthenticated,
                      let sent = counters.source(address), sent.validReceived == 0, sent.sent >= ChronyNTPData.unansweredRequests else { continue }
                verdicts[index].findings.append(Finding(.critical,
                    "\(nodeFacts.node): authentication with \(server.name) fails (key \(keyed.keyID)): \(server.name) serves, but \(sent.sent) requests got no authenticated answer; check the key (`meridian apply` sends it, `meridian keys rotate` replaces it)"))
            }
        }
    }
}
