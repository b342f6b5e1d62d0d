import MeridianService
import Testing

/// serve.json's TLS fields for the HTTP listener: http_tls, http_tls_cert/http_tls_key,
/// http_client_auth; every bad value or combination refused with the field named.
@Suite struct ServeConfigurationTLSTests {
    static func parse(_ text: String) throws -> ServeConfiguration {
        try ServeConfiguration.parse(Array(text.utf8), source: "serve.json")
    }

    @Test func theDefaultsArePlainOnLoopback() throws {
        let config = try Self.parse("{}")
        #expect(config.httpTLS == .auto && config.httpClientAuth == .none)
        #expect(config.httpTLSCertificate == nil && config.httpTLSKey == nil)
        #expect(!config.httpUsesTLS)
        #expect(config.httpSocketPath == "/var/lib/meridian/http.sock")
    }

    @Test(arguments: [
        (#"{"http_listen": "127.0.0.1:9746"}"#, false),
        (#"{"http_listen": "127.8.9.10:9746"}"#, false),
        (#"{"http_listen": "[::1]:9746"}"#, false),
        (#"{"http_listen": "0.0.0.0:9746"}"#, true),
        (#"{"http_listen": "192.168.1.10:9746"}"#, true),
        (#"{"http_listen": "[::]:9746"}"#, true),
        (#"{"http_listen": "[fe80::1]:9746", "http_tls": "auto"}"#, true),
        (#"{"http_listen": "127.0.0.1:9746", "http_tls": "on"}"#, true),
        (#"{"http_listen": "127.0.0.1:9746", "http_tls": "off"}"#, false),
    ])
    func autoMeansTLSOffLoopback(text: String, tls: Bool) throws {
        #expect(try Self.parse(text).httpUsesTLS == tls)
    }

    @Test func everyTLSFieldIsRead() throws {
        let config = try Self.parse("""
            {"http_listen": "10.0.0.1:9746", "http_tls": "on", "http_tls_cert": "/etc/meridian/web.pem",
             "http_tls_key": "/etc/meridian/web.key", "http_client_auth": "operator", "state_dir": "/srv/m"}
            """)
        #expect(config.httpTLS == .on && config.httpClientAuth == .operator)
        #expect(config.httpTLSCertificate == "/etc/meridian/web.pem" && config.httpTLSKey == "/etc/meridian/web.key")
        #expect(config.httpSocketPath == "/srv/m/http.sock")
    }

    @Test(arguments: [
        (#"{"http_tls": "yes"}"#, #"field "http_tls" must be one of "auto", "on", "off", found "yes""#),
        (#"{"http_tls": true}"#, #"field "http_tls" must be one of "auto", "on", "off", found a boolean"#),
        (#"{"http_client_auth": "operators"}"#, #"field "http_client_auth" must be one of "none", "operator", found "operators""#),
        (#"{"http_client_auth": 1}"#, #"field "http_client_auth" must be one of"#),
        (#"{"http_tls": "on", "http_tls_cert": "/a.pem"}"#, #"field "http_tls_cert" is set without "http_tls_key""#),
        (#"{"http_tls": "on", "http_tls_key": "/a.key"}"#, #"field "http_tls_key" is set without "http_tls_cert""#),
        (#"{"http_tls": "on", "http_tls_cert": "a.pem", "http_tls_key": "/a.key"}"#, #"field "http_tls_cert" must be an absolute path"#),
        (#"{"http_tls": "on", "http_tls_cert": "/a.pem", "http_tls_key": ""}"#, #"field "http_tls_key" must be a non-empty string"#),
        (#"{"http_tls": "on", "http_tls_cert": ["/a.pem"], "http_tls_key": "/a.key"}"#, #"field "http_tls_cert" must be a non-empty string"#),
        (#"{"http_listen": "0.0.0.0:9746", "http_tls": "off"}"#, #"field "http_tls" is "off" but "http_listen" is 0.0.0.0:9746, not a loopback address"#),
        (#"{"http_client_auth": "operator"}"#, #"field "http_client_auth" is "operator" but the listener speaks plain HTTP ("http_tls" is "auto" and 127.0.0.1:9746 is loopback)"#),
        (#"{"http_tls": "off", "http_client_auth": "operator"}"#, #"field "http_client_auth" is "operator" but the listener speaks plain HTTP ("http_tls" is "off")"#),
        (#"{"http_tls_cert": "/a.pem", "http_tls_key": "/a.key"}"#, #"field "http_tls_cert" is set but the listener speaks plain HTTP"#),
        (#"{"http_tls": "On"}"#, #"found "On""#),
    ])
    func badTLSValuesAreNamed(text: String, expected: String) {
        #expect {
            try Self.parse(text)
        } throws: { error in
            "\(error)".contains(expected) && "\(error)".hasPrefix("serve.json: ")
        }
    }
}
