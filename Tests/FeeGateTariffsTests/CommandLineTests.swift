import FeeGateTariffs
import FeeGateTestSupport
import Foundation
import Testing

/// Drives the built `feegate tariff …` command.
@Suite("tariff command line")
struct CommandLineTests {
    /// The executable that mounts `TariffCommand` (`feegate` in the main package).
    static let toolName = "feegate"
    /// `.build/debug/<toolName>`, built by `swift build --build-tests`.
    static let toolPath = shippedTariffs.deletingLastPathComponent()
        .appendingPathComponent(".build/debug/\(toolName)").path

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Run {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.toolPath),
            "the feegate tool is missing at \(Self.toolPath): run `swift build --build-tests` first",
            sourceLocation: sourceLocation)
        let result = try ExternalTool.run(Self.toolPath, ["tariff"] + arguments, environment: ["FEEGATE_TARIFFS": shippedTariffs.path],
                                          install: "swift build --build-tests")
        return Run(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    @Test("check: OK summary and exit 0 on the shipped tariffs")
    func checkClean() throws {
        let result = try run(["check", shippedTariffs.path])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("OK: 16 files, 12 tariffs, 16 versions in "))
    }

    @Test("check: file:line per problem and exit 1 on a broken copy")
    func checkBroken() throws {
        let box = try TariffSandbox()
        try box.replace("fees/id-card-fees-2022-07.yaml", "amount: 50000", with: "amount: -50000")
        let result = try run(["check", box.root.path])
        #expect(result.status == 1)
        #expect(result.stdout == "\(box.root.path)/fees/id-card-fees-2022-07.yaml:25: negative amount -50000 in 'amount': amounts must be 0 or more\n")
        #expect(result.stderr.contains("1 problem(s)"))
    }

    @Test("quote parking --json: 17:00–19:00 motorbike = 13,000 at 8%")
    func quoteParkingJSON() throws {
        let result = try run([
            "quote", "parking", "--zone", "HK-12-LY-THAI-TO", "--vehicle", "motorbike",
            "--from", "2025-07-01T17:00:00+07:00", "--to", "2025-07-01T19:00:00+07:00", "--json",
        ])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["amount"] as? Int == 13_000)
        #expect(object["vat_rate"] as? String == "8%")
        #expect((object["lines"] as? [Any])?.count == 2)
    }

    @Test("quote bus: CCCD rider aged 60 rides free (text output); the number is never printed")
    func quoteBusText() throws {
        let result = try run(["quote", "bus", "--route", "01", "--at", "2025-03-01T08:00", "--token-type", "cccd", "--token", "001065012345"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Amount: 0 ₫ (customer pays 0, funded by city-budget)"))
        #expect(!result.stdout.contains("001065012345") && !result.stderr.contains("001065012345"))
    }

    @Test("bad input: clear message on stderr, exit 1", arguments: [
        (["quote", "parking", "--zone", "NOPE", "--vehicle", "car", "--from", "2025-03-01T08:00", "--to", "2025-03-01T09:00"], "unknown parking zone 'NOPE'"),
        (["quote", "parking", "--zone", "HK-12-DINH-LE", "--vehicle", "car", "--from", "2025-03-01T09:00", "--to", "2025-03-01T08:00"], "must end after it starts"),
        (["quote", "parking", "--zone", "HK-12-DINH-LE", "--vehicle", "truck", "--from", "2025-03-01T08:00", "--to", "2025-03-01T09:00"], "invalid --vehicle 'truck'"),
        (["quote", "bus", "--route", "01", "--at", "yesterday"], "invalid --at 'yesterday'"),
        (["quote", "bus", "--route", "01", "--at", "2025-03-01T08:00", "--token-type", "cccd", "--token", "12345"], "malformed cccd token"),
        (["quote", "fee", "--code", "NOPE", "--at", "2025-03-01T08:00"], "unknown fee code 'NOPE'"),
        (["quote", "pass", "--product", "one-route", "--category", "vip"], "unknown pass category 'vip'"),
    ])
    func badInput(arguments: [String], message: String) throws {
        let result = try run(arguments)
        #expect(result.status == 1)
        #expect(result.stderr.contains(message), "stderr was: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("list --json has tariffs with versions, zones with classes, routes with km, passes and fees")
    func listJSON() throws {
        let result = try run(["list", "--json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let tariffs = try #require(object["tariffs"] as? [[String: Any]])
        let fares = try #require(tariffs.first { $0["id"] as? String == "hn-bus-single-fare" })
        #expect((fares["versions"] as? [[String: Any]])?.map { $0["version"] as? String } == ["2014", "2024-11"])
        let zones = try #require(object["parking_zones"] as? [[String: Any]])
        #expect(zones.contains { $0["id"] as? String == "HK-12-LY-THAI-TO" && $0["zone_class"] as? String == "HK-12" })
        let routes = try #require(object["bus_routes"] as? [[String: Any]])
        #expect(routes.contains { $0["id"] as? String == "BRT01" && $0["length_km"] as? String == "14.7" })
        #expect((object["pass_products"] as? [Any])?.count == 12)
        let fees = try #require(object["fees"] as? [[String: Any]])
        #expect(fees.contains { $0["code"] as? String == "CCCD-DOI" && $0["amount"] as? Int == 50_000 })
    }
}
