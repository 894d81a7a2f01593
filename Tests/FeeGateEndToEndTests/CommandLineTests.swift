import FeeGateTestSupport
import Foundation
import Testing

@Suite("feegate CLI")
struct CommandLineTests {
    @Test func keysAndOperatorsRoundTrip() throws {
        let scratch = try Scratch()
        let db = scratch.path("cli.sqlite")
        let add = try Tools.feegate(["operators", "add", "--code", "HN-PARK-01", "--name", "Trông giữ xe Hà Nội", "--tax-code", "0101234567",
                                     "--kind", "parking", "--mtt-prefix", "K7Q2M", "--db", db])
        #expect(add.status == 0, "\(add.stderr)")
        let duplicate = try Tools.feegate(["operators", "add", "--code", "HN-PARK-01", "--name", "x", "--tax-code", "0101234567", "--kind", "parking", "--db", db])
        #expect(duplicate.status != 0 && duplicate.stderr.contains("already exists"))
        let badTax = try Tools.feegate(["operators", "add", "--code", "HN-PARK-02", "--name", "x", "--tax-code", "12345", "--kind", "parking", "--db", db])
        #expect(badTax.status != 0 && badTax.stderr.contains("tax code"))
        let list = try Tools.feegate(["operators", "list", "--json", "--db", db])
        let ops = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
        #expect(ops?.first?["name"] as? String == "Trông giữ xe Hà Nội")

        let created = try Tools.feegate(["keys", "create", "--role", "operator", "--operator", "HN-PARK-01", "--label", "meters", "--db", db])
        #expect(created.status == 0)
        let lines = created.stdout.split(separator: "\n")
        let secret = String(lines.last ?? "")
        #expect(secret.hasPrefix("fg_"))
        let keyID = String(lines.first?.split(separator: " ").dropFirst(2).first ?? "")
        let keys = try Tools.feegate(["keys", "list", "--db", db])
        #expect(keys.stdout.contains(keyID) && !keys.stdout.contains(secret), "the secret must never be listed")
        // The secret is stored only as a hash: it appears nowhere in the database file.
        let raw = try Tools.sqlite3(db, "SELECT count(*) FROM api_key WHERE secret_hash = '\(secret)' OR label = '\(secret)';")
        #expect(raw.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        #expect(try Tools.feegate(["keys", "revoke", keyID, "--db", db]).status == 0)
        #expect(try Tools.feegate(["keys", "list", "--json", "--db", db]).stdout.contains("revoked_at"))
        let missingOperator = try Tools.feegate(["keys", "create", "--role", "operator", "--db", db])
        #expect(missingOperator.status != 0 && missingOperator.stderr.contains("--operator"))
    }

    @Test func errorsAreClearAndExitNonZero() throws {
        let scratch = try Scratch()
        let noDB = try Tools.feegate(["verify", "--db", scratch.path("absent.sqlite")])
        #expect(noDB.status == 1 && noDB.stderr.contains("no database"))
        let badDir = try Tools.feegate(["migrate", "--db", "/nonexistent-dir/x.sqlite"])
        #expect(badDir.status != 0 && badDir.stderr.contains("does not exist"))
        let db = scratch.path("e.sqlite")
        #expect(try Tools.feegate(["migrate", "--db", db]).status == 0)
        let badID = try Tools.feegate(["ledger", "balance", "not-a-uuid", "--db", db])
        #expect(badID.status != 0 && badID.stderr.contains("not a UUID"))
        // The same canonical-text rule as the HTTP API: Foundation's parser took a sign or a leading space for a digit.
        for lax in ["-3333333-1111-4111-8111-111111111111", "+1111111-1111-4111-8111-111111111111", " 1111111-1111-4111-8111-111111111111"] {
            let refused = try Tools.feegate(["ledger", "history", "--db", db, "--", lax])
            #expect(refused.status != 0 && refused.stderr.contains("not a UUID"), "\(lax): \(refused.stderr)")
        }
        let unknown = try Tools.feegate(["ledger", "balance", UUID().uuidString, "--db", db])
        #expect(unknown.status != 0 && unknown.stderr.contains("no account"))
        let badRole = try Tools.feegate(["keys", "create", "--role", "root", "--db", db])
        #expect(badRole.status != 0)
        let empty = try Tools.feegate(["verify", "--db", db])
        #expect(empty.status == 0 && empty.stdout.contains("0 transfers"))
        // FEEGATE_DB is honoured when --db is absent.
        let viaEnv = try Tools.run(Tools.feegate, ["verify"], environment: ["FEEGATE_DB": db])
        #expect(viaEnv.status == 0)
    }

    @Test(arguments: [
        ["serve"], ["migrate"], ["keys", "create"], ["keys", "list"], ["keys", "revoke"], ["operators", "add"], ["operators", "list"],
        ["ledger", "accounts"], ["ledger", "balance"], ["ledger", "history"], ["verify"],
        ["tariff", "check"], ["tariff", "list"], ["tariff", "quote", "parking"], ["tariff", "quote", "bus"], ["tariff", "quote", "pass"],
        ["tariff", "quote", "fee"], ["qr", "decode"], ["qr", "encode"], ["invoice", "words"], ["invoice", "verify"], ["invoice", "show"],
        ["payments", "list"], ["close-day"], ["export"], ["reconcile", "import"], ["reconcile", "run"], ["reconcile", "resolve"],
        ["reconcile", "report"],
    ])
    func everySubcommandHasHelpWithAnExample(command: [String]) throws {
        let help = try Tools.feegate(command + ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Example") || help.stdout.contains("example"), "\(command) --help has no example")
    }
}

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    /// The contract validates with an independent OpenAPI 3.1 validator (openapi-spec-validator, from PyPI).
    @Test func validatesWithOpenAPISpecValidator() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/FeeGateGateway/Resources/openapi.json").path
        let out = try Tools.run("python3", ["-m", "openapi_spec_validator", file])
        #expect(out.status == 0, "openapi-spec-validator failed (pip install -r scripts/test-requirements.txt): \(out.stdout) \(out.stderr)")
        #expect(out.stdout.contains("OK"))
    }
}
