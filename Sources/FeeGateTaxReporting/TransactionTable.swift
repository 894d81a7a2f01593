import FeeGateCore
import FeeGateInvoicing
import Foundation

/// One bus ride as the per-transaction table reports it.
public struct TableRide: Sendable, Hashable {
    /// The tap id (the transaction code a rider quotes to ask for an invoice).
    public let id: String
    /// Unix seconds of the tap.
    public let at: Int64
    public let serviceDay: String
    public let route: String
    public let vehicle: String
    public let validator: String
    public let ticketNumber: Int64
    public let category: String
    public let fare: Money
    public let referenceAmount: Money
    /// Who pays when the rider pays 0 (`city-budget`, `pass`, a sponsor), else `rider`.
    public let fundedBy: String
    /// Recorded after the day it belongs to was already reported.
    public let late: Bool

    public init(id: String, at: Int64, serviceDay: String, route: String, vehicle: String, validator: String, ticketNumber: Int64, category: String,
                fare: Money, referenceAmount: Money, fundedBy: String, late: Bool) {
        self.id = id
        self.at = at
        self.serviceDay = serviceDay
        self.route = route
        self.vehicle = vehicle
        self.validator = validator
        self.ticketNumber = ticketNumber
        self.category = category
        self.fare = fare
        self.referenceAmount = referenceAmount
        self.fundedBy = fundedBy
        self.late = late
    }
}

/// The detailed transaction table for bus rides sold to consumers (Bảng thông tin chi tiết giao dịch, Mẫu
/// 01/TTGD; Decree 254 Art. 9.4.r, TT 91 Art. 4.6.c): one row per ride instead of one invoice each.
///
/// The official 01/TTGD layout was not available (einvoice-vn.md §7.4 marks it ❓), so this is FeeGate's CSV
/// with the fields the regulation names — transaction, time, service, amount, tax — as RFC 4180 UTF-8 CSV with
/// Vietnamese headings. Public bus is outside VAT (`KCT`, einvoice-vn.md §6.3), so `Tiền thuế` is 0. Rows are in
/// time order, then by id, so the same rides always give the same bytes. Token values never appear.
public enum TransactionTable {
    public static let header = [
        "STT", "Mã giao dịch", "Thời điểm", "Ngày phục vụ", "Tuyến", "Phương tiện", "Thiết bị", "Số vé", "Đối tượng",
        "Giá vé (đồng)", "Thuế suất", "Tiền thuế (đồng)", "Giá trị tham chiếu (đồng)", "Bên chi trả", "Báo cáo muộn",
    ]

    public static func csv(_ rides: [TableRide]) -> [UInt8] {
        var out = header.map(field).joined(separator: ",") + "\r\n"
        let sorted = rides.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        for (index, r) in sorted.enumerated() {
            let row = [
                String(index + 1), r.id, VietnamTime(unixSeconds: r.at).dateTimeText, r.serviceDay, r.route, r.vehicle, r.validator, String(r.ticketNumber),
                r.category, String(r.fare.vnd), VATRate.notSubject.label, "0", String(r.referenceAmount.vnd), r.fundedBy, r.late ? "1" : "0",
            ]
            out += row.map(field).joined(separator: ",") + "\r\n"
        }
        return Array(out.utf8)
    }

    /// RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
