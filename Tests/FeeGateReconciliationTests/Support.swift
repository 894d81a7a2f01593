import FeeGateCore
import FeeGateReconciliation
import FeeGateTestSupport
import Foundation

/// One statement for the independent generator (`Fixtures/generate_statements.py`: pyiso20022 + xsdata for camt,
/// mt940-writer for MT940).
struct GeneratedEntry: Encodable {
    var amount: Int64
    var booking: String
    var value: String? = nil
    var ref: String? = nil
    var text: String? = nil
    var counterparty: String? = nil
    var status: String? = nil
}

struct GeneratedStatement: Encodable {
    var format: String
    var path: String
    var id: String
    var account: String
    var opening: Int64 = 0
    var closing: Int64? = nil
    var date: String
    var entries: [GeneratedEntry]
}

enum Generator {
    static let script = packageRoot.appendingPathComponent("Tests/FeeGateReconciliationTests/Fixtures/generate_statements.py").path
    static let fixtures = packageRoot.appendingPathComponent("Tests/FeeGateReconciliationTests/Fixtures")

    /// Writes the statements with the Python libraries and returns their bytes, in order.
    static func write(_ statements: [GeneratedStatement], in directory: TemporaryDirectory) throws -> [Data] {
        let spec = directory.path("spec-\(UUID().uuidString).json")
        let encoder = JSONEncoder()
        struct Spec: Encodable { let statements: [GeneratedStatement] }
        try encoder.encode(Spec(statements: statements)).write(to: URL(fileURLWithPath: spec))
        let result = try runTool(
            ["python3", script, spec], installHint: "pip install -r scripts/test-requirements.txt (mt940-writer, pyiso20022, xsdata)")
        guard result.status == 0 else { throw GeneratorFailed(message: result.output) }
        return try statements.map { try Data(contentsOf: URL(fileURLWithPath: $0.path)) }
    }

    struct GeneratorFailed: Error, CustomStringConvertible {
        let message: String
        var description: String { "the statement generator failed (pip install -r scripts/test-requirements.txt): \(message)" }
    }
}

func day(_ text: String) -> BusinessDay {
    guard let d = BusinessDay(text) else { fatalError("bad test date \(text)") }
    return d
}

/// A bank line for engine tests.
func bankLine(_ id: Int64, _ amount: Int64, _ date: String, _ text: String, ref: String? = nil, account: String = "0011001234567") -> BankLine {
    BankLine(id: id, account: account, line: StatementLine(position: Int(id), bankReference: ref, bookingDate: day(date), valueDate: nil, amount: amount, text: text))
}
