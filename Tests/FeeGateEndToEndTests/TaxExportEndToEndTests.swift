import FeeGateTestSupport
import Foundation
import Testing

/// Acceptance (#6) through the binaries: documents issued by a `feegate serve` process over HTTP, then
/// `feegate close-day`, `feegate export` (twice: byte-identical files) and `feegate verify` from the command line,
/// and the same export over HTTP.
@Suite("Tax export from the command line", .serialized)
struct TaxExportEndToEndTests {
    @Test func closeDayExportAndVerify() async throws {
        let scratch = try Scratch()
        let pki = try TestPKI(taxCode: "0101234567")
        let db = scratch.path("tax.sqlite")
        #expect(try Tools.feegate(["operators", "add", "--code", "HN-PARK-01", "--name", "Bãi đỗ xe Hà Nội", "--tax-code", "0101234567",
                                   "--kind", "parking", "--mtt-prefix", "K7Q2M", "--db", db]).status == 0)
        let park = try Tools.feegate(["keys", "create", "--role", "operator", "--operator", "HN-PARK-01", "--quiet", "--db", db]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let tax = try Tools.feegate(["keys", "create", "--role", "tax", "--quiet", "--db", db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let config = scratch.path("documents.json")
        try """
            {"operators":{"HN-PARK-01":{"address":"1 Lý Thái Tổ, Hà Nội","pkcs12":"\(pki.sellerP12.path)","password_env":"FEEGATE_E2E_P12","series_suffix":"AA"}},
             "gateway":{"pkcs12":"\(pki.sellerP12.path)","password_env":"FEEGATE_E2E_P12"}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        setenv("FEEGATE_E2E_P12", pki.password, 1)

        // Documents first, with automatic closing off: a closing pass running between two documents of an ended
        // day would (rightly) report the second one late in a later closing.
        let issuing = try await ServerProcess(db: db, directory: scratch.url, extraArguments: ["--documents-config", config, "--close-days-every", "0"])
        for plate in ["29A-30001", "29A-30002"] {
            let id = UUID().uuidString.lowercased()
            _ = try await HTTP.send(.POST, "\(issuing.base)/v1/parking/sessions", key: park,
                                    json: #"{"id":"\#(id)","zone":"HK-12-LY-THAI-TO","plate":"\#(plate)","vehicle":"car","started_at":"2026-11-19T08:00:00+07:00","source":"app"}"#)
            let stop = try await HTTP.send(.POST, "\(issuing.base)/v1/parking/sessions/\(id)/stop", key: park,
                                           json: #"{"ended_at":"2026-11-19T11:30:00+07:00","payment":{"method":"card","authorization":"E2E"}}"#)
            #expect(stop.status == 200 && (stop.json["document"] as? [String: Any])?["number"] != nil, "\(String(decoding: stop.body, as: UTF8.self))")
        }
        issuing.stop()
        // A server with automatic closing closes ended days by itself; wait until 2026-11-19 shows up, then export it over HTTP.
        let server = try await ServerProcess(db: db, directory: scratch.url, extraArguments: ["--documents-config", config, "--close-days-every", "1"])
        var closed = false
        for _ in 0..<100 where !closed {
            let list = try await HTTP.send(.GET, "\(server.base)/v1/tax/closings?date=2026-11-19", key: tax)
            closed = ((list.json["items"] as? [[String: Any]])?.first?["documents"] as? Int) == 2
            if !closed { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(closed, "the server did not close 2026-11-19 by itself")
        let overHTTP = try await HTTP.send(.GET, "\(server.base)/v1/tax/exports?date=2026-11-19&operator=HN-PARK-01", key: tax)
        #expect(overHTTP.status == 200)
        server.stop()

        let arguments = ["--db", db, "--documents-config", config]
        let close = try Tools.feegate(["close-day", "--date", "2026-11-19"] + arguments)
        #expect(close.status == 0 && close.stdout.contains("HN-PARK-01 2026-11-19: closing no. 1, 2 documents (0 late), total 240.000"), "\(close.output)")
        #expect(try Tools.feegate(["close-day", "--date", "2026-11-19"] + arguments).stdout == close.stdout)
        let future = try Tools.feegate(["close-day", "--date", "2099-01-01"] + arguments)
        #expect(future.status != 0 && future.stderr.contains("has not ended"), "\(future.output)")

        let a = scratch.path("a.zip"), b = scratch.path("b.zip")
        #expect(try Tools.feegate(["export", "--date", "2026-11-19", "--operator", "HN-PARK-01", "--out", a] + arguments).status == 0)
        #expect(try Tools.feegate(["export", "--date", "2026-11-19", "--operator", "HN-PARK-01", "--out", b] + arguments).status == 0)
        let bytesA = try Data(contentsOf: URL(fileURLWithPath: a)), bytesB = try Data(contentsOf: URL(fileURLWithPath: b))
        #expect(bytesA == bytesB && bytesA == overHTTP.body)
        let check = try Tools.run("python3", ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(len(z.namelist()))", a])
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "5", "\(check.output)")  // closing, 2 invoices, 1 TDiep, manifest
        let unclosed = try Tools.feegate(["export", "--date", "2026-11-18", "--out", scratch.path("c.zip")] + arguments)
        #expect(unclosed.status != 0 && unclosed.stderr.contains("is not closed"), "\(unclosed.output)")

        let verify = try Tools.feegate(["verify", "--db", db, "--ca", pki.caPEM.path])
        // The server closed every day from 2026-11-19 to yesterday; only 2026-11-19 has documents (one TDiep message).
        #expect(verify.status == 0 && verify.stdout.contains("daily closings match") && verify.stdout.contains(" 1 TDiep messages verified"), "\(verify.output)")
        // Editing a stored TDiep message (with its trigger dropped) is reported.
        _ = try Tools.sqlite3(db, "DROP TRIGGER tax_batch_append_only_update; UPDATE tax_batch SET xml = CAST(replace(CAST(xml AS TEXT), '<MLTDiep>206</MLTDiep>', '<MLTDiep>207</MLTDiep>') AS BLOB);")
        let broken = try Tools.feegate(["verify", "--db", db])
        #expect(broken.status == 1 && broken.stderr.contains("tax_batch"), "\(broken.output)")
    }
}
