@testable import NodeAgent
import Testing

@Suite struct ProxmoxFirewallFileTests {
    @Test func ruleGoesAtTheEndOfTheRulesSection() {
        let text = "[OPTIONS]\n\nenable: 1\n\n[RULES]\n\nIN SSH(ACCEPT) -i net0\n\n[group web]\n\nIN HTTP(ACCEPT)\n"
        let updated = ProxmoxFirewallFile.adding(["IN NTP(ACCEPT)"], to: text)
        #expect(updated == "[OPTIONS]\n\nenable: 1\n\n[RULES]\n\nIN SSH(ACCEPT) -i net0\nIN NTP(ACCEPT)\n\n[group web]\n\nIN HTTP(ACCEPT)\n")
    }

    @Test func missingRulesSectionIsCreated() {
        #expect(ProxmoxFirewallFile.adding(["IN NTP(ACCEPT)"], to: "[OPTIONS]\nenable: 1\n") == "[OPTIONS]\nenable: 1\n\n[RULES]\n\nIN NTP(ACCEPT)\n")
    }
}
