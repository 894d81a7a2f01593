import FeeGateCore
import FeeGateCrypto
import FeeGateGateway
import FeeGateOperations
import FeeGateStore
import FeeGateTariffs
import FeeGateTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Issue #6, end of day: signed chained closings, TDiep 206 batches (split by size), late documents, the
/// 01/TTGD ride table, the byte-identical tax export with its signed manifest, and `verify` of all of it.
/// Signatures are checked by xmlsec1 and the ZIP by Python's zipfile, not by FeeGate's own code.
@Suite("Daily closings and tax export")
struct ClosingsAndExportTests {
    /// The test certificates are valid from the moment they are made, so closings are signed at the real time;
    /// the dates used (November 2026) have ended by then.
    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    struct World {
        let dir: TemporaryDirectory
        let store: GatewayStore
        let parkingPKI: TestPKI, busPKI: TestPKI
        let parking: String, bus: String, tax: String, admin: String
        let services: OperatorServices
        let closings: DailyClosings
        let exporter: TaxExporter
        let app: any ApplicationProtocol
    }

    static func world(maxBatchBytes: Int = 16_000) async throws -> World {
        let dir = try TemporaryDirectory()
        let parkingPKI = try TestPKI(taxCode: "0101234567")
        let busPKI = try TestPKI(taxCode: "0100100142")
        let store = try GatewayStore.open(path: dir.path("c.sqlite"))
        _ = try await store.addOperator(code: "HN-PARK-01", name: "Công ty TNHH Bãi đỗ xe Hà Nội", taxCode: "0101234567", kind: .parking,
                                        mttPrefix: "K7Q2M", invoiceSeries: nil)
        _ = try await store.addOperator(code: "HN-BUS-01", name: "Transerco", taxCode: "0100100142", kind: .bus, mttPrefix: "B3X9Z", invoiceSeries: nil)
        let config = try JSONDecoder().decode(DocumentsConfiguration.self, from: Data("""
            {"operators":{
              "HN-PARK-01":{"address":"1 Lý Thái Tổ, Hoàn Kiếm, Hà Nội","pkcs12":"\(parkingPKI.sellerP12.path)","password_env":"P1","series_suffix":"AA"},
              "HN-BUS-01":{"address":"5 Lê Thánh Tông, Hà Nội","pkcs12":"\(busPKI.sellerP12.path)","password_env":"P2","series_suffix":"BU"}},
             "gateway":{"pkcs12":"\(parkingPKI.sellerP12.path)","password_env":"P1"}}
            """.utf8))
        let environment = ["P1": parkingPKI.password, "P2": busPKI.password]
        let profiles = try await config.profiles(store: store, environment: environment)
        let issuer = DocumentIssuer(store: store, profiles: profiles)
        let catalog = try TariffCatalog.load(directory: packageRoot.appendingPathComponent("Tariffs").path)
        let services = OperatorServices(store: store, tariffs: try TariffEngine(catalog: catalog), tokenKey: Array(repeating: 9, count: 32), documents: issuer)
        let closings = DailyClosings(store: store, profiles: profiles, now: { now }, maxBatchBytes: maxBatchBytes)
        let exporter = TaxExporter(store: store, gatewaySigner: try config.gatewaySigner(environment: environment))
        var configuration = GatewayConfiguration(host: "127.0.0.1", port: 0)
        configuration.closings = closings
        configuration.taxExporter = exporter
        configuration.closingInterval = nil
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = try buildApplication(store: store, configuration: configuration, logger: logger, operations: services)
        return World(
            dir: dir, store: store, parkingPKI: parkingPKI, busPKI: busPKI,
            parking: try await store.createKey(role: .operator, operatorCode: "HN-PARK-01", label: nil).secret,
            bus: try await store.createKey(role: .operator, operatorCode: "HN-BUS-01", label: nil).secret,
            tax: try await store.createKey(role: .tax, operatorCode: nil, label: nil).secret,
            admin: try await store.createKey(role: .admin, operatorCode: nil, label: nil).secret,
            services: services, closings: closings, exporter: exporter, app: app)
    }

    /// A car on HK-12 from 08:00 to 11:30 on `day`: 120,000 VND at 8 % (VAT 8,889, hand-computed in MoneyTests).
    static func paidStay(_ client: some TestClientProtocol, _ key: String, day: String, plate: String) async throws -> Reply {
        let id = UUID().uuidString
        _ = try await client.call(.post, "/v1/parking/sessions", key: key, body: """
            {"id":"\(id)","zone":"HK-12-LY-THAI-TO","plate":"\(plate)","vehicle":"car","started_at":"\(day)T08:00:00+07:00","source":"app"}
            """)
        return try await client.call(.post, "/v1/parking/sessions/\(id)/stop", key: key,
                                     body: #"{"ended_at":"\#(day)T11:30:00+07:00","payment":{"method":"card","authorization":"A-\#(plate)"}}"#)
    }

    static func raw(_ client: some TestClientProtocol, _ uri: String, key: String) async throws -> (HTTPResponse.Status, [UInt8]) {
        try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(key)"]) { ($0.status, Array(buffer: $0.body)) }
    }

    @Test func closingsBatchesLateDocumentsAndReproducibleExport() async throws {
        let w = try await Self.world()
        nonisolated(unsafe) var firstSession: UUID?
        try await w.app.test(.router) { client in
            for plate in ["29A-10001", "29A-10002", "29A-10003"] {
                let stay = try await Self.paidStay(client, w.parking, day: "2026-11-19", plate: plate)
                #expect(stay.status == .ok)
                firstSession = firstSession ?? (stay.json["id"] as? String).flatMap(UUID.init(uuidString:))
            }
            // Bus rides of 2026-11-19: one paid (15,000), one 0-VND for an elderly rider (city budget pays).
            for (type, value) in [("transit_card", "CARD-9"), ("cccd", "001060012345")] {
                let ride = try await client.call(.post, "/v1/transit/taps", key: w.bus, body: """
                    {"id":"\(UUID().uuidString)","token":{"type":"\(type)","value":"\(value)"},"route":"86","vehicle":"29B-00123","validator_id":"V-1","at":"2026-11-19T07:30:00+07:00"}
                    """)
                #expect(ride.status == .created, "\(ride.text)")
            }

            // The day in progress cannot be closed; an unclosed day cannot be exported.
            let today = BusinessDay(epochSeconds: Self.now).description
            let early = try await client.call(.post, "/v1/tax/closings", key: w.admin, body: #"{"date":"\#(today)"}"#)
            #expect(early.status == .conflict, "\(early.text)")
            #expect(try await Self.raw(client, "/v1/tax/exports?date=2026-11-19", key: w.tax).0 == .conflict)

            let closed = try await client.call(.post, "/v1/tax/closings", key: w.admin, body: #"{"date":"2026-11-19"}"#)
            #expect(closed.status == .ok, "\(closed.text)")
            let items = try #require(closed.json["items"] as? [[String: Any]])
            let park = try #require(items.first { $0["operator"] as? String == "HN-PARK-01" })
            #expect(park["documents"] as? Int == 3 && park["total"] as? Int == 360_000 && park["vat"] as? Int == 26_667 && park["number"] as? Int == 1)
            #expect(park["prev_hash"] as? String == String(repeating: "0", count: 64))
            let parkXML = try #require(park["xml"] as? String)
            // One group: 3 invoices at 8 %, 333,333 before VAT + 26,667 VAT = 360,000.
            #expect(parkXML.contains("<THop><LCTu>cash_register_invoice</LCTu><TSuat>8%</TSuat><SLCTu>3</SLCTu><ThTien>333333</ThTien><TThue>26667</TThue><TgTTTBSo>360000</TgTTTBSo></THop>"))
            #expect(parkXML.contains("<LKTgTTTBSo>360000</LKTgTTTBSo>"))
            // Three ~5 kB invoices do not fit one 16,000-byte message: split, each within the limit, none lost.
            let batches = try #require(park["batches"] as? [[String: Any]])
            #expect(batches.count >= 2 && batches.compactMap { $0["documents"] as? Int }.reduce(0, +) == 3, "\(batches)")
            let bus = try #require(items.first { $0["operator"] as? String == "HN-BUS-01" })
            #expect(bus["documents"] as? Int == 0 && (bus["batches"] as? [Any])?.isEmpty == true)

            // Closing again changes nothing.
            let again = try await client.call(.post, "/v1/tax/closings", key: w.admin, body: #"{"date":"2026-11-19","operator":"HN-PARK-01"}"#)
            #expect((again.json["items"] as? [[String: Any]])?.first?["hash"] as? String == park["hash"] as? String)

            // A stay of 2026-11-19 recorded after that day was closed, and one of 2026-11-20.
            #expect(try await Self.paidStay(client, w.parking, day: "2026-11-19", plate: "29A-10004").status == .ok)
            #expect(try await Self.paidStay(client, w.parking, day: "2026-11-20", plate: "29A-10005").status == .ok)
            let next = try await client.call(.post, "/v1/tax/closings", key: w.admin, body: #"{"date":"2026-11-20","operator":"HN-PARK-01"}"#)
            let second = try #require((next.json["items"] as? [[String: Any]])?.first)
            #expect(second["number"] as? Int == 2 && second["documents"] as? Int == 2 && second["late_documents"] as? Int == 1)
            #expect(second["prev_hash"] as? String == park["hash"] as? String)
            let secondXML = try #require(second["xml"] as? String)
            #expect(secondXML.contains("<LKTgTTTBSo>600000</LKTgTTTBSo>") && secondXML.contains("<SLCTuMuon>1</SLCTuMuon>"))
            #expect(secondXML.contains("<CTuMuon><LCTu>cash_register_invoice</LCTu><KHMSHDon>1</KHMSHDon><KHHDon>C26MAA</KHHDon><SHDon>4</SHDon>"))

            // xmlsec1 verifies the closing and a TDiep message; one changed character breaks each.
            let closingFile = try w.parkingPKI.write(Array(parkXML.utf8), name: "closing.xml")
            #expect(try Self.xmlsec(closingFile, ca: w.parkingPKI.caPEM, ids: ["DLBCChot"]).status == 0)
            let tampered = try w.parkingPKI.write(Array(parkXML.replacingOccurrences(of: "<SLCTu>3</SLCTu>", with: "<SLCTu>2</SLCTu>").utf8), name: "closing-bad.xml")
            #expect(try Self.xmlsec(tampered, ca: w.parkingPKI.caPEM, ids: ["DLBCChot"]).status != 0)
            let stored = try #require(try await w.store.closing(operatorCode: "HN-PARK-01", day: BusinessDay("2026-11-19")!))
            let message = try #require(try await w.store.taxBatches(closingSeq: stored.seq).first)
            #expect(message.xml.count <= 16_000)
            let text = String(decoding: message.xml, as: UTF8.self)
            #expect(text.contains("<MLTDiep>206</MLTDiep>") && text.contains("<MTDiep>0101234567"))
            #expect(message.messageID.count == 10 + 32 && message.messageID.dropFirst(10).allSatisfy { $0.isHexDigit && !$0.isLowercase })
            let batchFile = try w.parkingPKI.write(message.xml, name: "tdiep.xml")
            let xpath = "/TDiep/CKSNNT/*[local-name()='Signature']"
            #expect(try Self.xmlsec(batchFile, ca: w.parkingPKI.caPEM, ids: ["DLieu", "DLHDon"], xpath: xpath).status == 0)
            let altered = try w.parkingPKI.write(Array(text.replacingOccurrences(of: "Một trăm hai mươi nghìn đồng", with: "Một trăm hai mươi mốt nghìn đồng").utf8), name: "tdiep-altered.xml")
            #expect(try Self.xmlsec(altered, ca: w.parkingPKI.caPEM, ids: ["DLieu", "DLHDon"], xpath: xpath).status != 0)

            // The export: byte-identical on every call; the manifest lists every file with its SHA-256 and is signed.
            let (status, zip1) = try await Self.raw(client, "/v1/tax/exports?date=2026-11-19", key: w.tax)
            #expect(status == .ok)
            let zip2 = try await Self.raw(client, "/v1/tax/exports?date=2026-11-19", key: w.tax).1
            #expect(zip1 == zip2 && !zip1.isEmpty)
            #expect(try await Self.raw(client, "/v1/tax/exports?date=2026-11-19", key: w.parking).0 == .forbidden)
            let zipFile = w.dir.path("export.zip")
            try Data(zip1).write(to: URL(fileURLWithPath: zipFile))
            let listing = try runPython("""
                import hashlib, sys, zipfile, xml.etree.ElementTree as ET
                z = zipfile.ZipFile(sys.argv[1])
                assert z.testzip() is None
                names = z.namelist()
                assert names[-1] == 'manifest.xml', names
                m = ET.fromstring(z.read('manifest.xml'))
                listed = {t.find('Ten').text: (int(t.find('KThuoc').text), t.find('SHA256').text) for t in m.iter('Tep')}
                for n in names[:-1]:
                    data = z.read(n)
                    assert listed[n] == (len(data), hashlib.sha256(data).hexdigest()), n
                assert set(listed) == set(names[:-1])
                open(sys.argv[2], 'wb').write(z.read('manifest.xml'))
                for n in names: print(n)
                """, [zipFile, w.dir.path("manifest.xml")])
            #expect(listing.status == 0, "\(listing.output)")
            let names = listing.stdout.split(separator: "\n").map(String.init)
            #expect(names.contains("HN-PARK-01/closing-2026-11-19.xml") && names.contains("HN-BUS-01/closing-2026-11-19.xml"))
            #expect(names.filter { $0.hasPrefix("HN-PARK-01/documents/1_C26MAA_") }.count == 3)
            #expect(names.filter { $0.hasPrefix("HN-PARK-01/tdiep/") }.count == batches.count)
            #expect(names.contains("HN-BUS-01/01-TTGD-2026-11-19.csv"))
            let manifest = URL(fileURLWithPath: w.dir.path("manifest.xml"))
            #expect(try Self.xmlsec(manifest, ca: w.parkingPKI.caPEM, ids: ["DLBKe"]).status == 0)
            // The ride table: two rows, the 0-VND ride names its funder; no token value appears anywhere.
            let table = try runPython("""
                import csv, io, sys, zipfile
                rows = list(csv.reader(io.StringIO(zipfile.ZipFile(sys.argv[1]).read('HN-BUS-01/01-TTGD-2026-11-19.csv').decode('utf-8'))))
                print(len(rows) - 1, sorted((r[9], r[13], r[10]) for r in rows[1:]))
                """, [zipFile])
            #expect(table.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2 [('0', 'city-budget', 'KCT'), ('15000', 'customer', 'KCT')]", "\(table)")
            #expect(!String(decoding: zip1, as: UTF8.self).contains("CARD-9") && !String(decoding: zip1, as: UTF8.self).contains("001060012345"))
        }

        // verify: chains, closings rebuilt from their documents, signatures, batches.
        #expect(try await w.store.verify().isIntact)
        let audit = try await FiscalAudit(store: w.store, trustedCAs: try X509Certificate.certificates(pem: Array(Data(contentsOf: w.parkingPKI.caPEM)))
            + X509Certificate.certificates(pem: Array(Data(contentsOf: w.busPKI.caPEM)))).run()
        #expect(audit.isIntact && audit.closings == 3 && audit.documents == 5 && audit.ledgerMatched == 5, "\(audit.problems)")
        // A closing edited in place (triggers dropped first) is caught by the store's chain check.
        let db = w.dir.path("c.sqlite")
        _ = try ExternalTool.run("sqlite3", [db, "DROP TRIGGER daily_closing_append_only_update; UPDATE daily_closing SET xml = CAST(replace(CAST(xml AS TEXT), '<SLCTu>3</SLCTu>', '<SLCTu>2</SLCTu>') AS BLOB) WHERE number = 1 AND operator_code = 'HN-PARK-01';"])
        let report = try await w.store.verify()
        #expect(report.problems.contains { $0.table == "daily_closing" }, "\(report.problems)")
        #expect(try await FiscalAudit(store: w.store).run().problems.contains { $0.contains("closing HN-PARK-01 2026-11-19") })
        // A sale's amount changed in the journal no longer matches its invoice.
        let leg = Hex.encode(withUnsafeBytes(of: DerivedID.transfer(event: try #require(firstSession), purpose: "sale", leg: 0).uuid) { Array($0) })
        _ = try ExternalTool.run("sqlite3", [db, "DROP TRIGGER transfer_append_only_update; UPDATE transfer SET amount = amount + 1 WHERE id = X'\(leg)';"])
        #expect(try await FiscalAudit(store: w.store).run().problems.contains { $0.contains("but the ledger's sale is 120001/VAT 8889") })
    }

    /// A closing sums the per-rate amounts recorded with each document at issue (no XML parsing); a document
    /// without them (issued before they were recorded) is read from its XML; `verify` checks recorded against XML.
    /// 120,000 VND at 8 %: 111,111 + 8,889 each (hand-computed in MoneyTests); three of them: 333,333 + 26,667.
    @Test func closingsSumTheRatesRecordedAtIssueAndVerifyChecksThem() async throws {
        let w = try await Self.world()
        try await w.app.test(.router) { client in
            for plate in ["29A-20001", "29A-20002", "29A-20003"] {
                let stay = try await Self.paidStay(client, w.parking, day: "2026-11-19", plate: plate)
                #expect(stay.status == .ok)
            }
        }
        let db = w.dir.path("c.sqlite")
        func sql(_ text: String) throws -> String { try ExternalTool.run("sqlite3", [db, text]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(try sql("SELECT group_concat(rates, '|') FROM document ORDER BY seq") == "8%=111111+8889|8%=111111+8889|8%=111111+8889")
        // The first document as if issued before migration 0008 (no recorded rates): the closing reads its XML.
        _ = try sql("DROP TRIGGER document_append_only_update; UPDATE document SET rates = NULL WHERE seq = 1;")
        let closing = try #require(try await w.closings.close(operatorCode: "HN-PARK-01", through: BusinessDay("2026-11-19")!).last)
        #expect(String(decoding: closing.xml, as: UTF8.self).contains(
            "<THop><LCTu>cash_register_invoice</LCTu><TSuat>8%</TSuat><SLCTu>3</SLCTu><ThTien>333333</ThTien><TThue>26667</TThue><TgTTTBSo>360000</TgTTTBSo></THop>"))
        let trusted = try X509Certificate.certificates(pem: Array(Data(contentsOf: w.parkingPKI.caPEM)))
        let audit = try await FiscalAudit(store: w.store, trustedCAs: trusted).run()
        #expect(audit.isIntact && audit.documents == 3 && audit.closings == 1, "\(audit.problems)")
        // Recorded amounts that are not the XML's are reported, with both.
        _ = try sql("UPDATE document SET rates = '8%=111112+8888' WHERE seq = 2;")
        let problems = try await FiscalAudit(store: w.store, trustedCAs: trusted).run().problems
        #expect(problems.contains { $0.contains("document seq 2") && $0.contains("stored per-rate amounts '8%=111112+8888' differ from the XML's '8%=111111+8889'") },
                "\(problems)")
        // A closing refuses recorded amounts that do not add up to the document's total (covered by the chain) instead
        // of signing a closing that contradicts itself.
        try await w.app.test(.router) { client in
            let stay = try await Self.paidStay(client, w.parking, day: "2026-11-20", plate: "29A-20004")
            #expect(stay.status == .ok)
        }
        _ = try sql("UPDATE document SET rates = '8%=111112+8889' WHERE seq = 4;")
        await #expect {
            _ = try await w.closings.close(operatorCode: "HN-PARK-01", through: BusinessDay("2026-11-20")!)
        } throws: { "\($0)".contains("do not add up to its total 120000 and VAT 8889") }
    }

    static func xmlsec(_ file: URL, ca: URL, ids: [String], xpath: String? = nil) throws -> CommandResult {
        var arguments = ["--verify", "--trusted-pem", ca.path]
        for id in ids { arguments += ["--id-attr:Id", id] }
        if let xpath { arguments += ["--node-xpath", xpath] }
        return try ExternalTool.run("xmlsec1", arguments + [file.path])
    }

    /// 200 parking sessions paid at the same moment: invoice numbers 1…200 and MTT counters 1…200, no gap,
    /// no duplicate; and a year boundary restarts the numbers with the new year's series.
    @Test func concurrentPaidSessionsGetGaplessNumbers() async throws {
        let w = try await Self.world()
        try await w.app.test(.router) { client in
            try await withThrowingTaskGroup(of: String?.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        let reply = try await Self.paidStay(client, w.parking, day: "2026-11-20", plate: "30K-\(10_000 + i)")
                        return reply.status == .ok ? nil : reply.text
                    }
                }
                for try await failure in group { #expect(failure == nil) }
            }
            let numbers = try await w.store.documents(after: 0, limit: 1_000).map(\.number).sorted()
            #expect(numbers == Array(1...200))
            let codes = try await w.store.documents(after: 0, limit: 1_000).compactMap(\.authorityCode)
            #expect(Set(codes).count == 200 && codes.allSatisfy { $0.hasPrefix("M1-26-K7Q2M-") })
            #expect(Set(codes.map { Int($0.suffix(11))! }) == Set(1...200))
            // 31 December 23:30 → series C26MAA no. 201; 1 January → series C27MAA no. 1, the MTT counter goes on (202).
            let id1 = UUID().uuidString, id2 = UUID().uuidString
            for (id, start, end) in [(id1, "2026-12-31T22:00:00+07:00", "2026-12-31T23:30:00+07:00"), (id2, "2027-01-01T00:10:00+07:00", "2027-01-01T01:00:00+07:00")] {
                _ = try await client.call(.post, "/v1/parking/sessions", key: w.parking, body: """
                    {"id":"\(id)","zone":"HK-12-LY-THAI-TO","plate":"29C-\(id.prefix(4))","vehicle":"car","started_at":"\(start)","source":"app"}
                    """)
                let stop = try await client.call(.post, "/v1/parking/sessions/\(id)/stop", key: w.parking,
                                                 body: #"{"ended_at":"\#(end)","payment":{"method":"card","authorization":"Y"}}"#)
                #expect(stop.status == .ok, "\(stop.text)")
            }
            let last = try await w.store.documents(after: 200, limit: 10)
            #expect(last.map(\.series) == ["C26MAA", "C27MAA"] && last.map(\.number) == [201, 1])
            #expect(last.map(\.authorityCode) == ["M1-26-K7Q2M-00000000201", "M1-27-K7Q2M-00000000202"])
        }
        #expect(try await w.store.verify().isIntact)
    }

    /// A wrong cash-register invoice is replaced, never edited: the replacement names the original (TCHDon 1),
    /// keeps its amount, takes a new number and MTT code; a ride gets an e-ticket in the rider's name on request.
    @Test func replacementInvoicesAndRideInvoicesOnRequest() async throws {
        let w = try await Self.world()
        try await w.app.test(.router) { client in
            let stay = try await Self.paidStay(client, w.parking, day: "2026-11-20", plate: "29A-20001")
            let original = try #require(stay.json["document"] as? [String: Any])
            let originalID = try #require(original["id"] as? String)
            let originalXML = try await client.call(.get, "/v1/invoices/\(originalID)/xml", key: w.parking).text
            let body = #"{"reason":"Khách hàng yêu cầu ghi tên và mã số thuế","buyer":{"name":"Công ty TNHH ABC","tax_code":"0109876543","address":"12 Tràng Tiền, Hà Nội"}}"#
            let replaced = try await client.call(.post, "/v1/invoices/\(originalID)/replace", key: w.parking, body: body)
            #expect(replaced.status == .ok, "\(replaced.text)")
            #expect(replaced.json["number"] as? Int == 2 && replaced.json["series"] as? String == "C26MAA" && replaced.json["total"] as? Int == 120_000)
            #expect(replaced.json["authority_code"] as? String == "M1-26-K7Q2M-00000000002")
            let replacementID = try #require(replaced.json["id"] as? String)
            let xml = try await client.call(.get, "/v1/invoices/\(replacementID)/xml", key: w.parking).text
            #expect(xml.contains("<TCHDon>1</TCHDon>") && xml.contains("<KHHDCLQuan>C26MAA</KHHDCLQuan><SHDCLQuan>1</SHDCLQuan>"), "\(xml)")
            #expect(xml.contains("<MST>0109876543</MST>") && xml.contains("<TgTTTBSo>120000</TgTTTBSo>"))
            let file = try w.parkingPKI.write(Array(xml.utf8), name: "replacement.xml")
            #expect(try Self.xmlsec(file, ca: w.parkingPKI.caPEM, ids: ["DLHDon"]).status == 0)
            // The same request again returns the same replacement; another one is a conflict; the original is unchanged.
            #expect(try await client.call(.post, "/v1/invoices/\(originalID)/replace", key: w.parking, body: body).json["id"] as? String == replacementID)
            let other = try await client.call(.post, "/v1/invoices/\(originalID)/replace", key: w.parking, body: #"{"reason":"Sai tên"}"#)
            #expect(other.status == .conflict && other.text.contains(replacementID), "\(other.text)")
            #expect(try await client.call(.get, "/v1/invoices/\(originalID)/xml", key: w.parking).text == originalXML)
            #expect(try await client.call(.post, "/v1/invoices/\(originalID)/replace", key: w.bus, body: body).status == .notFound)
            let badBuyer = try await client.call(.post, "/v1/invoices/\(originalID)/replace", key: w.parking, body: #"{"reason":"x","buyer":{"tax_code":"0109876543"}}"#)
            #expect(badBuyer.status == .unprocessableContent, "\(badBuyer.text)")

            // A 15,000 VND ride, invoiced to the rider's phone number on request.
            let rideID = UUID().uuidString.lowercased()
            let ride = try await client.call(.post, "/v1/transit/taps", key: w.bus, body: """
                {"id":"\(rideID)","token":{"type":"transit_card","value":"CARD-77"},"route":"86","vehicle":"29B-00123","validator_id":"V-1","at":"2026-11-20T07:30:00+07:00"}
                """)
            #expect(ride.status == .created)
            let ticket = try await client.call(.post, "/v1/transit/taps/\(rideID)/invoice", key: w.bus, body: #"{"buyer":{"phone":"0912345678","person_name":"Nguyễn Văn A"}}"#)
            #expect(ticket.status == .ok && ticket.json["kind"] as? String == "e_ticket" && ticket.json["template"] as? String == "5", "\(ticket.text)")
            #expect(ticket.json["total"] as? Int == 15_000 && ticket.json["vat"] as? Int == 0 && ticket.json["series"] as? String == "C26MBU")
            let ticketXML = try await client.call(.get, "/v1/invoices/\(ticket.json["id"] as? String ?? "")/xml", key: w.bus).text
            #expect(ticketXML.contains("<SDThoai>0912345678</SDThoai>") && ticketXML.contains("<TSuat>KCT</TSuat>") && ticketXML.contains("Vé lượt xe buýt tuyến 86"))
            let again = try await client.call(.post, "/v1/transit/taps/\(rideID)/invoice", key: w.bus, body: #"{"buyer":{"phone":"0912345678","person_name":"Nguyễn Văn A"}}"#)
            #expect(again.json["id"] as? String == ticket.json["id"] as? String)
            #expect(try await client.call(.post, "/v1/transit/taps/\(rideID)/invoice", key: w.bus, body: #"{"buyer":{"phone":"0987654321"}}"#).status == .conflict)
            #expect(try await client.call(.post, "/v1/transit/taps/\(rideID)/invoice", key: w.parking, body: #"{"buyer":{"phone":"0912345678"}}"#).status == .notFound)
            #expect(try await client.call(.post, "/v1/transit/taps/\(UUID().uuidString)/invoice", key: w.bus, body: #"{"buyer":{"phone":"0912345678"}}"#).status == .notFound)
        }
        #expect(try await w.store.verify().isIntact)
        let audit = try await FiscalAudit(store: w.store).run()
        // The original and the ride equal their ledger sales; the replacement has no sale of its own.
        #expect(audit.isIntact && audit.documents == 3 && audit.ledgerMatched == 2, "\(audit.problems)")
    }
}
