import JSONCore

/// Deterministic JSON for `--json` outputs, written by JSONCore (the package's one JSON writer):
/// sorted keys, two-space indent, `/` unescaped, nil optionals left out.
public enum JSONText {
    public static func encode(_ value: some Encodable) -> String {
        do {
            return try JSONValueEncoder().encode(value).prettyText
        } catch {
            return JSONValue.object(["error": .string("cannot encode output: \(error)")]).prettyText
        }
    }
}
