/// What a chip ID card (căn cước công dân, CCCD) number proves: the holder's birth year.
///
/// Layout (Ministry of Public Security circular on CCCD numbers, Thông tư 07/2016/TT-BCA, later
/// 59/2021/TT-BCA; article not re-checked here): 12 digits; digits 1–3 the province of birth
/// registration, digit 4 gender and century, digits 5–6 the last two digits of the birth year,
/// digits 7–12 a serial. Century code: 0/1 → 1900s, 2/3 → 2000s, 4/5 → 2100s, 6/7 → 2200s,
/// 8/9 → 2300s (even = male, odd = female). A birth year after the tap's year is rejected.
///
/// Only the derived birth year is kept: the number itself is never stored, printed or put into an
/// error (FeeGate keeps only a keyed hash of it, elsewhere).
public struct CCCD: Sendable, Hashable, CustomStringConvertible {
    public let birthYear: Int

    /// Reads the birth year from a CCCD number.
    /// - Throws: `TariffError.malformedToken` with a reason that never repeats the digits.
    public init(number: String) throws(TariffError) {
        let scalars = Array(number.unicodeScalars)
        guard scalars.count == 12 else {
            throw .malformedToken(tokenType: "cccd", reason: "a CCCD number has exactly 12 digits, this one has \(scalars.count) characters")
        }
        var digits: [Int] = []
        for (position, scalar) in scalars.enumerated() {
            guard ("0"..."9").contains(scalar) else {
                throw .malformedToken(tokenType: "cccd", reason: "a CCCD number has digits only; character \(position + 1) is not a digit")
            }
            digits.append(Int(scalar.value) - 48)
        }
        let century = 1900 + 100 * (digits[3] / 2)
        self.birthYear = century + digits[4] * 10 + digits[5]
    }

    /// Age reached during `year` (`year − birthYear`): what "aged ≥ 60 in the tap's year" means.
    public func ageInYear(_ year: Int) -> Int { year - birthYear }

    public var description: String { "CCCD(birth year \(birthYear))" }
}
