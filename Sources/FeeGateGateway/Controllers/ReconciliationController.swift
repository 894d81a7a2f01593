import FeeGateCore
import FeeGateReconciliation
import FeeGateStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix

/// Bank reconciliation over HTTP, for finance staff (and admin): the same import, run, report and resolve as
/// `feegate reconcile`, calling the same library and store functions.
struct ReconciliationController {
    let store: GatewayStore
    /// Where `?mapping=NAME` is looked up (`$FEEGATE_RECONCILIATION_MAPPINGS`, else `./Config/reconciliation/mappings`);
    /// a request names a mapping, never a path.
    var mappings: MappingDirectory = .standard()
    /// The largest statement accepted: a month of a busy collection account as camt.053 is well under this.
    static let maxStatementSize = 256 * 1024 * 1024
    /// One reconciliation action (import, run, resolve) at a time: each holds a statement or a run's million lines
    /// in memory and the database writer for its transaction, and two identical resolutions must not race.
    let gate = SerialGate()

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("reconciliation/statements", use: importStatement)
        group.post("reconciliation/runs", use: run)
        group.get("reconciliation/reports", use: report)
        group.post("reconciliation/lines/:line/resolution", use: resolve)
    }

    /// The recorded user of an action: the API key (its public id), since keys are not personal names.
    static func user(_ principal: Principal) -> String { "key:\(principal.keyID)" }

    // MARK: - Import

    /// `POST /v1/reconciliation/statements?format=&mapping=&account=&source=&sheet=` with the raw file as body.
    @Sendable func importStatement(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin, .finance)
        let query = request.uri.queryParameters
        var requested: StatementFormat?
        if let text = query["format"].map(String.init) {
            guard let format = StatementFormat(rawValue: text) else {
                throw Problem(
                    status: .badRequest, code: "invalid_field", detail: "format '\(text)' is not one of \(StatementFormat.allCases.map(\.rawValue).joined(separator: ", "))",
                    errors: [.init(pointer: "/format", detail: "unknown format")])
            }
            requested = format
        }
        let mappingName = query["mapping"].map(String.init)
        let account = query["account"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let sheet = query["sheet"].map(String.init)
        // Only a name is recorded: a client's path says nothing useful and may say too much.
        let source = String((query["source"].map(String.init) ?? "statement").split(separator: "/").last?.suffix(200) ?? "statement")
        let mapping = try mappingName.map { try mappings.mapping(named: $0) }

        let body = try await request.body.collect(upTo: Self.maxStatementSize)
        let data = Data(body.readableBytesView)
        guard !data.isEmpty else { throw Problem(status: .badRequest, code: "empty_body", detail: "send the statement file as the request body") }
        guard let format = StatementReader.format(of: data, requested: requested, hasMapping: mapping != nil) else {
            throw Problem(
                status: .unprocessableContent, code: "unknown_format",
                detail: "cannot tell the statement's format; pass format=camt053|camt054|mt940, or mapping=NAME for a CSV or XLSX export")
        }
        if format.needsMapping && mapping == nil {
            throw Problem(
                status: .unprocessableContent, code: "missing_field", detail: "a \(format.rawValue) statement needs mapping=NAME (e.g. debit-credit, signed-amount)",
                errors: [.init(pointer: "/mapping", detail: "required for \(format.rawValue)")])
        }
        // Parsing a large statement takes seconds of CPU: on NIO's blocking pool, not on a Swift concurrency thread.
        let results = try await gate.run { [store] in
            let statements = try await NIOThreadPool.singleton.runIfActive {
                try StatementReader.read(data, source: source, format: format, mapping: mapping, account: account, sheet: sheet)
            }
            return try await store.importStatements(statements, source: source, importedBy: Self.user(principal))
        }
        let imported = ReconciliationDTO.Imported(format: format, source: source, results: results)
        return try Self.json(imported, status: imported.result == "imported" ? .created : .ok, context: context)
    }

    // MARK: - Runs and reports

    /// `POST /v1/reconciliation/runs` `{"date": D}` or `{"from": D1, "to": D2}` (+ `"dry_run"`): runs and stores the match.
    @Sendable func run(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin, .finance)
        let body = try await StrictJSON.decode(ReconciliationDTO.RunRequest.self, from: request, context: context)
        let (rules, rulesText) = try RuleSet.resolve(path: nil)
        let report = try await gate.run { [store] in
            try await store.runReconciliation(from: body.from, to: body.to, rules: rules, rulesText: rulesText, dryRun: body.dryRun, runBy: Self.user(principal))
        }
        return try Self.json(ReconciliationDTO.Report(report: report), status: body.dryRun ? .ok : .created, context: context)
    }

    /// `GET /v1/reconciliation/reports?date=D` (or `?run=N`): the stored report; `format=csv` or `Accept: text/csv` for CSV.
    @Sendable func report(_ request: Request, context: AppRequestContext) async throws -> Response {
        try context.require(.admin, .finance)
        let query = request.uri.queryParameters
        var day: BusinessDay?, run: Int64?
        if let text = query["date"].map(String.init) {
            guard let parsed = BusinessDay(text) else {
                throw Problem(status: .badRequest, code: "invalid_field", detail: "date '\(text)' is not YYYY-MM-DD", errors: [.init(pointer: "/date", detail: "not YYYY-MM-DD")])
            }
            day = parsed
        }
        if let text = query["run"].map(String.init) {
            guard let parsed = Int64(text), parsed > 0 else {
                throw Problem(status: .badRequest, code: "invalid_field", detail: "run '\(text)' is not a run number", errors: [.init(pointer: "/run", detail: "not a run number")])
            }
            run = parsed
        }
        guard (day == nil) != (run == nil) else {
            throw Problem(status: .unprocessableContent, code: "missing_field", detail: "give date=YYYY-MM-DD (the latest run covering it) or run=N")
        }
        guard let report = try await store.reconciliationReport(day: day, run: run) else {
            throw Problem.notFound(day.map { "a reconciliation run covering \($0)" } ?? "reconciliation run \(run ?? 0)")
        }
        let wantsCSV = query["format"] == "csv" || (request.headers[.accept]?.contains("text/csv") ?? false)
        if wantsCSV {
            return Response(
                status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: report.csv())))
        }
        return try Self.json(ReconciliationDTO.Report(report: report), status: .ok, context: context)
    }

    // MARK: - Resolutions

    /// `POST /v1/reconciliation/lines/{line}/resolution`: settles the line's difference with one ledger transfer.
    /// The same body again returns the same resolution (`Idempotent-Replayed: true`); another body is a 409.
    @Sendable func resolve(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin, .finance)
        let line = try context.parameters.require("line")
        let body = try await StrictJSON.decode(ReconciliationDTO.ResolutionRequest.self, from: request, context: context)
        let outcome = try await gate.run { [store] in
            try await store.resolveReconciliation(line: line, action: body.action, note: body.note, account: body.account, user: Self.user(principal))
        }
        var response = try Self.json(ReconciliationDTO.Resolution(outcome), status: outcome.replayed ? .ok : .created, context: context)
        if outcome.replayed, let name = HTTPField.Name("Idempotent-Replayed") { response.headers[name] = "true" }
        return response
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status, context: AppRequestContext) throws -> Response {
        let data = try context.responseEncoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
