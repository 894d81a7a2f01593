import FeeGateTestSupport
import Foundation
import Testing

/// Acceptance (#4): a property-based API fuzzer (schemathesis, from PyPI) run against the real
/// server finds no 5xx and no response that violates the OpenAPI document.
@Suite("API fuzzing", .serialized)
struct APIFuzzTests {
    @Test(arguments: ["operator", "admin"])
    func schemathesisFindsNoServerErrorsAndNoSchemaViolations(role: String) async throws {
        let scratch = try Scratch()
        let db = scratch.path("fuzz.sqlite")
        #expect(try Tools.feegate(["operators", "add", "--code", "HN-PARK-01", "--name", "P", "--tax-code", "0101234567", "--kind", "parking",
                                   "--mtt-prefix", "K7Q2M", "--db", db]).status == 0)
        // Documents configured, so the document, closing and export endpoints are exercised rather than answering 503.
        let pki = try TestPKI(taxCode: "0101234567")
        let config = scratch.path("documents.json")
        try """
            {"operators":{"HN-PARK-01":{"address":"Hà Nội","pkcs12":"\(pki.sellerP12.path)","password_env":"FEEGATE_FUZZ_P12","series_suffix":"FZ"}},
             "gateway":{"pkcs12":"\(pki.sellerP12.path)","password_env":"FEEGATE_FUZZ_P12"}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        setenv("FEEGATE_FUZZ_P12", pki.password, 1)
        var arguments = ["keys", "create", "--role", role, "--quiet", "--db", db]
        if role == "operator" { arguments += ["--operator", "HN-PARK-01"] }
        let key = try Tools.feegate(arguments).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServerProcess(db: db, directory: scratch.url, extraArguments: ["--documents-config", config])
        defer { server.stop() }
        // Run in the scratch directory: schemathesis writes its cache (.schemathesis/) into the working directory.
        let run = try ExternalTool.run(
            "schemathesis",
            ["run", "\(server.base)/openapi.json", "-H", "Authorization: Bearer \(key)", "--checks", "not_a_server_error,response_schema_conformance",
             "--max-examples", "10", "--seed", "20261121"],
            in: scratch.url, install: "pip install -r scripts/test-requirements.txt")
        #expect(run.status == 0, "schemathesis found problems:\n\(run.stdout.suffix(4_000))\(run.stderr.suffix(1_000))")
        // The summary reads "N generated, N passed" when nothing failed.
        let summary = run.stdout.split(separator: "\n").first { $0.contains(" generated, ") }.map(String.init) ?? ""
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(numbers.count == 2 && numbers[0] == numbers[1] && numbers[0] > 100, "\(summary)")
    }
}
