import FeeGateCore

/// Everything a tariff directory defines, flattened for `feegate tariff list` (Codable, snake_case).
public struct TariffListing: Sendable, Hashable, Codable {
    public struct Version: Sendable, Hashable, Codable {
        public let version: String
        public let effectiveFrom: LocalDate
        public let effectiveTo: LocalDate?
        public let file: String
        public let title: String
        public let legalBasis: String
        public let confidence: Confidence
        public let taxCategory: String

        enum CodingKeys: String, CodingKey {
            case version, file, title, confidence
            case effectiveFrom = "effective_from"
            case effectiveTo = "effective_to"
            case legalBasis = "legal_basis"
            case taxCategory = "tax_category"
        }
    }

    public struct Tariff: Sendable, Hashable, Codable {
        public let id: String
        public let kind: TariffKind
        public let versions: [Version]
    }

    public struct Zone: Sendable, Hashable, Codable {
        public let id: String
        public let name: String
        public let zoneClass: String
        public let district: String?
        public let tariffVersion: String

        enum CodingKeys: String, CodingKey {
            case id, name, district
            case zoneClass = "zone_class"
            case tariffVersion = "tariff_version"
        }
    }

    public struct Route: Sendable, Hashable, Codable {
        public let id: String
        public let name: String
        /// Decimal km text, e.g. `14.7`.
        public let lengthKm: String
        public let tariffVersion: String

        enum CodingKeys: String, CodingKey {
            case id, name
            case lengthKm = "length_km"
            case tariffVersion = "tariff_version"
        }
    }

    public struct PassProductPrice: Sendable, Hashable, Codable {
        public let product: String
        public let category: String
        public let price: Money
        public let tariffVersion: String
        public let effectiveFrom: LocalDate
        public let effectiveTo: LocalDate?

        enum CodingKeys: String, CodingKey {
            case product, category, price
            case tariffVersion = "tariff_version"
            case effectiveFrom = "effective_from"
            case effectiveTo = "effective_to"
        }
    }

    public struct FeeItem: Sendable, Hashable, Codable {
        public let code: String
        public let name: String
        public let amount: Money
        public let document: PaymentDocument
        public let tariffVersion: String
        public let effectiveFrom: LocalDate
        public let effectiveTo: LocalDate?

        enum CodingKeys: String, CodingKey {
            case code, name, amount, document
            case tariffVersion = "tariff_version"
            case effectiveFrom = "effective_from"
            case effectiveTo = "effective_to"
        }
    }

    public let tariffs: [Tariff]
    public let parkingZones: [Zone]
    public let busRoutes: [Route]
    public let passProducts: [PassProductPrice]
    public let fees: [FeeItem]

    enum CodingKeys: String, CodingKey {
        case tariffs, fees
        case parkingZones = "parking_zones"
        case busRoutes = "bus_routes"
        case passProducts = "pass_products"
    }

    /// Lists every version of every tariff in `catalog`.
    public init(catalog: TariffCatalog) {
        let ordered = catalog.documents.sorted {
            ($0.meta.id, $0.meta.effective.from, $0.meta.file) < ($1.meta.id, $1.meta.effective.from, $1.meta.file)
        }
        var tariffs: [Tariff] = []
        for doc in ordered {
            let meta = doc.meta
            let version = Version(
                version: meta.version, effectiveFrom: meta.effective.from, effectiveTo: meta.effective.to, file: meta.file,
                title: meta.title, legalBasis: meta.legalBasis, confidence: meta.confidence, taxCategory: meta.taxCategory)
            if let last = tariffs.last, last.id == meta.id {
                tariffs[tariffs.count - 1] = Tariff(id: last.id, kind: last.kind, versions: last.versions + [version])
            } else {
                tariffs.append(Tariff(id: meta.id, kind: meta.kind, versions: [version]))
            }
        }
        var zones: [Zone] = [], routes: [Route] = [], passes: [PassProductPrice] = [], fees: [FeeItem] = []
        for doc in ordered {
            let meta = doc.meta
            switch doc.body {
            case .parkingZones(let body):
                zones += body.zones.map {
                    Zone(id: $0.id, name: $0.name, zoneClass: $0.zoneClass, district: $0.district, tariffVersion: meta.version)
                }
            case .busRoutes(let body):
                routes += body.routes.map {
                    Route(id: $0.id, name: $0.name, lengthKm: TariffFileParser.km($0.lengthMeters), tariffVersion: meta.version)
                }
            case .busMonthlyPasses(let body):
                passes += body.prices.map {
                    PassProductPrice(
                        product: $0.product, category: $0.category, price: $0.price, tariffVersion: meta.version,
                        effectiveFrom: meta.effective.from, effectiveTo: meta.effective.to)
                }
            case .feeSchedule(let body):
                fees += body.fees.map {
                    FeeItem(
                        code: $0.code, name: $0.name, amount: $0.amount, document: $0.document, tariffVersion: meta.version,
                        effectiveFrom: meta.effective.from, effectiveTo: meta.effective.to)
                }
            default: break
            }
        }
        self.tariffs = tariffs
        self.parkingZones = zones
        self.busRoutes = routes
        self.passProducts = passes
        self.fees = fees
    }
}
