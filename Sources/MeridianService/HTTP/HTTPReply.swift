import JSONCore

/// What a route answers: a status, a content type and the body, independent of the server that
/// sends it (so the routes are tested without a socket, and the listener stays thin).
public struct HTTPReply: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    /// Extra headers (`Allow` on a 405).
    public var headers: [(String, String)] = []

    public init(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
        self.status = status; self.contentType = contentType; self.body = body; self.headers = headers
    }

    public static func == (a: HTTPReply, b: HTTPReply) -> Bool {
        a.status == b.status && a.contentType == b.contentType && a.body == b.body
            && a.headers.map(\.0) == b.headers.map(\.0) && a.headers.map(\.1) == b.headers.map(\.1)
    }

    public static func text(_ text: String, contentType: String, status: Int = 200) -> HTTPReply {
        HTTPReply(status: status, contentType: contentType, body: Array(text.utf8))
    }

    public static func json(_ value: JSONValue, status: Int = 200) -> HTTPReply {
        HTTPReply(status: status, contentType: "application/json", body: Array((value.encodedText + "\n").utf8))
    }

    /// `{"error":{"status":404,"message":"…"}}`: every refusal names what was wrong.
    public static func error(_ status: Int, _ message: String) -> HTTPReply {
        json(.object(["error": .object(["status": .integer(Int64(status)), "message": .string(message)])]), status: status)
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
