import ArgumentParser
import FeeGateCore
import FeeGateTariffs
import Foundation

/// `feegate tariff …`: check, list and quote from the tariff files.
struct TariffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tariff",
        abstract: "Check, list and quote from the tariff files (parking, bus, passes, public fees).",
        discussion: """
            Tariffs are YAML files (see Tariffs/README.md). The directory is --tariffs DIR, else the \
            FEEGATE_TARIFFS environment variable, else ./Tariffs. Times are ISO 8601; without an offset \
            they are Hanoi time (GMT+7).

            Example:
              feegate tariff check
              feegate tariff quote parking --zone HK-12-LY-THAI-TO --vehicle motorbike \\
                --from 2025-07-01T17:00 --to 2025-07-01T19:00
            """,
        subcommands: [Check.self, List.self, Quote.self]
    )

    /// Where the tariff files are: the shared `--tariffs` option.
    struct Location: ParsableArguments {
        @Option(name: .customLong("tariffs"), help: "Tariff directory (default: $FEEGATE_TARIFFS, else ./Tariffs).")
        var directory: String?

        func resolved(positional: String? = nil) -> String {
            if let positional { return positional }
            if let directory { return directory }
            if let env = ProcessInfo.processInfo.environment["FEEGATE_TARIFFS"], !env.isEmpty { return env }
            return "Tariffs"
        }
    }

    // MARK: check

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate every tariff file; print file:line: message per problem.",
            discussion: """
                Checks the schema of each file, overlapping effective periods of one tariff, unknown zones, zone \
                classes, rider categories, token types, routes and tax categories, negative amounts, missing \
                metadata and VAT coverage. Exits 1 if any problem is found.

                Example:
                  feegate tariff check Tariffs
                """
        )

        @Argument(help: "Tariff directory (overrides --tariffs).")
        var directory: String?

        @OptionGroup var location: Location

        func run() async throws {
            let dir = location.resolved(positional: directory)
            let catalog = try loadCatalog(dir)
            if catalog.diagnostics.isEmpty {
                let ids = Set(catalog.documents.map(\.meta.id)).count
                print("OK: \(catalog.fileCount) files, \(ids) tariffs, \(catalog.documents.count) versions in \(dir)")
                return
            }
            for diagnostic in catalog.diagnostics { print(diagnostic.formatted(root: dir)) }
            printError("\(catalog.diagnostics.count) problem(s) in \(dir)")
            throw ExitCode(1)
        }
    }

    // MARK: list

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tariffs and versions, parking zones, bus routes, pass products and fee codes.",
            discussion: """
                Example:
                  feegate tariff list --json
                """
        )

        @OptionGroup var location: Location
        @Flag(help: "Print JSON (snake_case keys).") var json = false

        func run() async throws {
            let dir = location.resolved()
            let catalog = try loadCatalog(dir)
            let listing = TariffListing(catalog: catalog)
            if json {
                print(try encodeJSON(listing))
            } else {
                print(Self.text(listing))
            }
            if !catalog.diagnostics.isEmpty {
                printError("warning: \(catalog.diagnostics.count) problem(s) in \(dir); run `feegate tariff check`")
            }
        }

        static func text(_ listing: TariffListing) -> String {
            var out: [String] = ["Tariffs:"]
            for tariff in listing.tariffs {
                out.append("  \(tariff.id) (\(tariff.kind.rawValue))")
                for v in tariff.versions {
                    out.append("    \(v.version)  \(v.effectiveFrom)..\(v.effectiveTo?.description ?? "open")  [\(v.confidence.rawValue)]  \(v.title)  — \(v.file)")
                }
            }
            out.append("Parking zones:")
            for zone in listing.parkingZones {
                out.append("  \(zone.id)  class \(zone.zoneClass)  \(zone.name)\(zone.district.map { ", \($0)" } ?? "")")
            }
            out.append("Bus routes:")
            for route in listing.busRoutes { out.append("  \(route.id)  \(route.lengthKm) km  \(route.name)") }
            out.append("Monthly pass products:")
            for pass in listing.passProducts {
                out.append("  \(pass.product) / \(pass.category)  \(pass.price)  (\(pass.effectiveFrom)..\(pass.effectiveTo?.description ?? "open"))")
            }
            out.append("Public fees:")
            for fee in listing.fees {
                out.append("  \(fee.code)  \(fee.amount)  \(fee.name)  [\(fee.document.rawValue)]  (\(fee.effectiveFrom)..\(fee.effectiveTo?.description ?? "open"))")
            }
            return out.joined(separator: "\n")
        }
    }

    // MARK: quote

    struct Quote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Price a parking stay, a bus ride, a monthly pass or a public fee.",
            discussion: """
                Example:
                  feegate tariff quote bus --route 86 --at 2025-07-01T08:00 --token-type cccd --token 001060012345
                """,
            subcommands: [Parking.self, Bus.self, Pass.self, Fee.self]
        )
    }

    struct Parking: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Price a parking stay in a zone.",
            discussion: """
                Bicycles and motorbikes pay one turn per day (06:00–18:00) or night period touched; cars pay per \
                started hour or block as the zone class says. The tariff in force at --from applies; the VAT rate \
                is the one in force at --to (the tax point).

                Example:
                  feegate tariff quote parking --zone R3-IN-KIM-MA --vehicle car \\
                    --from 2025-07-01T08:00:00+07:00 --to 2025-07-01T11:30:00+07:00 --json
                """
        )

        @OptionGroup var location: Location
        @Option(help: "Zone id, e.g. HK-12-LY-THAI-TO.") var zone: String
        @Option(help: "bicycle, motorbike or car.") var vehicle: String
        @Option(help: "Start of the stay (ISO 8601).") var from: String
        @Option(help: "End of the stay (ISO 8601).") var to: String
        @Flag(help: "Print JSON (snake_case keys).") var json = false

        func run() async throws {
            guard let vehicleValue = Vehicle(rawValue: vehicle) else {
                try fail("invalid --vehicle '\(vehicle)': expected bicycle, motorbike or car")
            }
            let request = ParkingQuoteRequest(
                zone: zone, vehicle: vehicleValue, from: try instant(from, "--from"), to: try instant(to, "--to"))
            let engine = try makeEngine(location.resolved())
            try emit(json: json) { () throws(TariffError) in try engine.quoteParking(request) }
        }
    }

    struct Bus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Price one bus ride (tap) on a route.",
            discussion: """
                The single fare follows the route's length band. A CCCD token proves age by itself (aged 60 or \
                more in the tap's year rides free). Event waivers and free rider categories give amount 0 with \
                funded_by set; a daily cap (if one applies to the category and token type) uses --paid-today.

                Example:
                  feegate tariff quote bus --route 74 --at 2025-08-30T09:00 --json
                  feegate tariff quote bus --route 01 --at 2025-03-01T08:00 --token-type emv --token t-123 --paid-today 24000
                """
        )

        @OptionGroup var location: Location
        @Option(help: "Route id, e.g. 86.") var route: String
        @Option(help: "Tap time (ISO 8601).") var at: String
        @Option(help: "Rider category, e.g. elderly, disability (default: regular).") var category: String?
        @Option(name: .customLong("token-type"), help: "Token type: cccd, transit-card, emv, qr.") var tokenType: String?
        @Option(help: "Token value (a CCCD number is never printed or stored).") var token: String?
        @Option(name: .customLong("paid-today"), help: "VND this token already paid in the current fare day.") var paidToday: Int64?
        @Flag(help: "Print JSON (snake_case keys).") var json = false

        func run() async throws {
            var rider: RiderToken?
            switch (tokenType, token) {
            case let (type?, value?): rider = RiderToken(type: type, value: value)
            case (nil, nil): rider = nil
            default: try fail("--token-type and --token must be given together")
            }
            let request = BusQuoteRequest(
                route: route, at: try instant(at, "--at"), category: category, token: rider, paidToday: paidToday.map { Money($0) })
            let engine = try makeEngine(location.resolved())
            try emit(json: json) { () throws(TariffError) in try engine.quoteBus(request) }
        }
    }

    struct Pass: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Price a monthly bus pass.",
            discussion: """
                Example:
                  feegate tariff quote pass --product all-routes --category priority --at 2025-01-05T10:00
                """
        )

        @OptionGroup var location: Location
        @Option(help: "one-route or all-routes.") var product: String
        @Option(help: "priority, group or individual.") var category: String
        @Option(help: "Purchase time (ISO 8601; default now).") var at: String?
        @Flag(help: "Print JSON (snake_case keys).") var json = false

        func run() async throws {
            let when = try at.map { try instant($0, "--at") } ?? HanoiDateTime(Date())
            let request = PassQuoteRequest(product: product, category: category, at: when)
            let engine = try makeEngine(location.resolved())
            try emit(json: json) { () throws(TariffError) in try engine.quotePass(request) }
        }
    }

    struct Fee: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Price a public fee (phí, lệ phí) by code.",
            discussion: """
                Example:
                  feegate tariff quote fee --code CCCD-DOI --json
                """
        )

        @OptionGroup var location: Location
        @Option(help: "Fee code (see `feegate tariff list`).") var code: String
        @Option(help: "Payment time (ISO 8601; default now).") var at: String?
        @Flag(help: "Print JSON (snake_case keys).") var json = false

        func run() async throws {
            let when = try at.map { try instant($0, "--at") } ?? HanoiDateTime(Date())
            let request = FeeQuoteRequest(code: code, at: when)
            let engine = try makeEngine(location.resolved())
            try emit(json: json) { () throws(TariffError) in try engine.quoteFee(request) }
        }
    }
}

// MARK: - Helpers (file-private so the file drops into any executable target)

private func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

private func fail(_ message: String) throws -> Never {
    printError("error: \(message)")
    throw ExitCode(1)
}

private func loadCatalog(_ dir: String) throws -> TariffCatalog {
    do {
        return try TariffCatalog.load(directory: dir)
    } catch {
        try fail(error.description)
    }
}

private func makeEngine(_ dir: String) throws -> TariffEngine {
    let catalog = try loadCatalog(dir)
    do {
        return try TariffEngine(catalog: catalog)
    } catch {
        try fail(error.description)
    }
}

private func instant(_ text: String, _ option: String) throws -> HanoiDateTime {
    guard let value = HanoiDateTime.parse(text) else {
        try fail("invalid \(option) '\(text)': expected ISO 8601 such as 2025-07-01T08:00:00+07:00 (no offset = Hanoi time)")
    }
    return value
}

private func encodeJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

private func emit(json: Bool, _ quote: () throws(TariffError) -> FeeGateTariffs.Quote) throws {
    let result: FeeGateTariffs.Quote
    do {
        result = try quote()
    } catch {
        try fail(error.description)
    }
    print(json ? try encodeJSON(result) : describe(result))
}

/// Human-readable quote.
private func describe(_ q: FeeGateTariffs.Quote) -> String {
    var out: [String] = []
    switch q.service {
    case .parking:
        out.append("Parking \(q.zone ?? "?") (class \(q.zoneClass ?? "?")), \(q.category): \(q.at.shortLocal) → \(q.until?.shortLocal ?? "?")")
    case .bus:
        out.append("Bus route \(q.route ?? "?") (\(q.routeLengthKm ?? "?") km) at \(q.at.shortLocal), rider category \(q.category)")
        if let eligibility = q.eligibility { out.append("  eligibility: \(eligibility)") }
    case .pass:
        out.append("Monthly pass \(q.product ?? "?"), category \(q.category), bought \(q.at.shortLocal)")
    case .fee:
        out.append("Fee \(q.feeCode ?? "?"): \(q.feeName ?? "") at \(q.at.shortLocal)")
    }
    for line in q.lines {
        let span: String
        switch (line.from, line.to) {
        case let (from?, to?): span = "  \(from.shortLocal) → \(to.shortLocal)"
        case let (from?, nil): span = "  \(from.shortLocal)"
        default: span = ""
        }
        out.append("  - \(line.description)\(span): \(line.amount)")
    }
    let payer = q.fundedBy == "customer" ? "paid by the customer" : "customer pays 0, funded by \(q.fundedBy)"
    out.append("Amount: \(q.amount) (\(payer))")
    if q.referenceAmount != q.amount { out.append("Reference amount: \(q.referenceAmount)") }
    if q.capped { out.append("Capped: yes\(q.dailyCap.map { " (daily cap \($0), paid today \(q.paidToday ?? .zero))" } ?? "")") }
    if let reason = q.zeroReason { out.append("Zero reason: \(reason)") }
    out.append("VAT \(q.vatRate.label): \(q.vatAmount) (before VAT \(q.amountBeforeVAT)); document: \(q.document.rawValue)")
    out.append("Tariff: \(q.tariffId) version \(q.tariffVersion) — \(q.legalBasis) [\(q.confidence.rawValue)]")
    return out.joined(separator: "\n")
}
