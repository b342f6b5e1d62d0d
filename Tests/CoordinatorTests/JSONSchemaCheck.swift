import HostSystem
import TestSupport

/// Validates JSON against a schema in protocol/schemas with a real JSON Schema validator:
/// Python's `jsonschema` (Debian package `python3-jsonschema`), picked by the schema's
/// `$schema` (2020-12). The schema itself is checked first. No validator is a failure, never a
/// silent pass.
enum JSONSchemaCheck {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String { "no python3 with the jsonschema module (apt-get install python3-jsonschema)" }
    }

    static var schemaDirectory: String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/protocol/schemas"
    }

    static let script = """
        import json, sys
        try:
            import jsonschema
        except ImportError:
            print("no jsonschema module"); sys.exit(3)
        schema = json.load(open(sys.argv[1]))
        instance = json.load(open(sys.argv[2]))
        validator = jsonschema.validators.validator_for(schema)
        validator.check_schema(schema)
        errors = sorted(validator(schema).iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
        for error in errors:
            print("/" + "/".join(str(p) for p in error.absolute_path) + ": " + error.message)
        sys.exit(1 if errors else 0)
        """

    /// The validator's complaints, one a line: empty when `json` is valid against `schema`
    /// (a file name in protocol/schemas).
    static func problems(_ json: String, against schema: String) async throws -> [String] {
        let directory = try TemporaryDirectory("meridian-schema")
        try directory.write("instance.json", json)
        let instance = directory.file("instance.json")
        let schemaPath = schemaDirectory + "/" + schema
        return try await DedicatedThread.run(name: "jsonschema") {
            for python in ["python3", "/usr/bin/python3"] {
                guard let result = try? ChildProcess.run([python, "-c", script, schemaPath, instance], timeout: .seconds(120)),
                      result.status == 0 || result.status == 1 else { continue }
                if result.status == 0 { return [] }
                // Complaints on stdout; a schema that does not check raises (traceback on stderr).
                let lines = (result.stdout + result.stderr).split(separator: "\n").map(String.init)
                return lines.isEmpty ? ["the validator failed without saying why"] : lines
            }
            throw Unavailable()
        }
    }
}
