import JSONCore
import MeridianService
import Testing

@Suite struct ServeConfigurationTests {
    @Test func emptyObjectIsTheDefaults() throws {
        let config = try ServeConfiguration.parse(Array("{}".utf8), source: "serve.json")
        #expect(config == ServeConfiguration())
        #expect(config.intervalSeconds == 30)
        #expect(config.httpListen == "127.0.0.1:9746")
        #expect(config.historyPath == "/var/lib/meridian/history.db")
    }

    @Test func everyFieldIsRead() throws {
        let text = """
            {"interval_seconds": 5, "api_listen": "10.0.0.1:7481", "api_socket": "/tmp/a.sock", "http_listen": "[::1]:9000",
             "state_dir": "/tmp/state", "webhooks": ["http://127.0.0.1:9/hook", "https://[::1]/h?x=1"], "exec": [["/bin/cat"]], "repeat_hours": 1,
             "webhook_ca": "/etc/meridian/hooks-ca.pem", "retention_days": 7, "raw_hours": 2, "survey_timeout_seconds": 3, "exec_timeout_seconds": 2}
            """
        let config = try ServeConfiguration.parse(Array(text.utf8), source: "serve.json")
        #expect(config.intervalSeconds == 5)
        #expect(config.apiListen == "10.0.0.1:7481")
        #expect(config.httpListen == "[::1]:9000")
        #expect(config.webhooks == ["http://127.0.0.1:9/hook", "https://[::1]/h?x=1"])
        #expect(config.webhookCA == "/etc/meridian/hooks-ca.pem")
        #expect(ServeConfiguration().webhookCA == "/etc/ssl/certs/ca-certificates.crt")
        #expect(config.exec == [["/bin/cat"]])
        #expect(config.stateDirectory == "/tmp/state")
    }

    @Test func textfileDirectoryIsOptional() throws {
        #expect(try ServeConfiguration.parse(Array("{}".utf8), source: "serve.json").textfileDirectory == nil)
        let config = try ServeConfiguration.parse(Array(#"{"textfile_dir": "/var/lib/prometheus/node-exporter"}"#.utf8), source: "serve.json")
        #expect(config.textfileDirectory == "/var/lib/prometheus/node-exporter")
    }

    @Test(arguments: [
        (#"{"interval": 5}"#, "unknown field \"interval\""),
        (#"{"interval_seconds": 0}"#, "interval_seconds\" must be in 1.0...86400.0"),
        (#"{"interval_seconds": "30"}"#, "interval_seconds\" must be a number"),
        (#"{"api_listen": "master:7481"}"#, "numeric address"),
        (#"{"http_listen": "127.0.0.1:0"}"#, "port in 1...65535"),
        (#"{"state_dir": "var/lib"}"#, "absolute path"),
        (#"{"textfile_dir": "textfiles"}"#, "field \"textfile_dir\" must be an absolute path"),
        (#"{"textfile_dir": ""}"#, "field \"textfile_dir\" must be a non-empty string"),
        (#"{"webhooks": ["ftp://x"]}"#, "webhooks[0]\" \"ftp://x\": must start with http:// or https://"),
        (#"{"webhooks": ["http://receiver/hook"]}"#, "must be a numeric address"),
        (#"{"webhooks": ["http://127.0.0.1:9/a", "http://localhost:9/hook"]}"#, "webhooks[1]\" \"http://localhost:9/hook\": the host must be a numeric address"),
        (#"{"webhooks": ["https://receiver/hook"]}"#, "must be a numeric address"),
        (#"{"webhooks": ["https://127.0.0.1/hook"], "webhook_ca": "ca.pem"}"#, "field \"webhook_ca\" must be an absolute path"),
        (#"{"webhooks": ["http://127.0.0.1:0/hook"]}"#, "the port must be 1...65535"),
        (#"{"webhooks": ["http://::1/hook"]}"#, "IPv6 in brackets"),
        (#"{"webhooks": ["http://user:pw@127.0.0.1/hook"]}"#, "user names or passwords"),
        (#"{"webhooks": ["http://127.0.0.1/a b"]}"#, "without spaces"),
        (#"{"webhooks": [7]}"#, "webhooks[0]\" must be an http:// or https:// URL string, found"),
        (#"{"exec": [["notify"]]}"#, "exec[0]"),
        (#"{"exec": [[1]]}"#, "exec[0]"),
        ("[1]", "expected a JSON object"),
        ("{", "not valid JSON"),
    ])
    func badValuesAreNamed(text: String, expected: String) {
        #expect {
            try ServeConfiguration.parse(Array(text.utf8), source: "serve.json")
        } throws: { error in
            "\(error)".contains(expected) && "\(error)".hasPrefix("serve.json: ")
        }
    }
}
