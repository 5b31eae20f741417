import Fluent
import SQLKit

/// The Chinese gates opposite Lào Cai's, for an instance that runs as `CN-HEKOU`: each
/// mirrors its pair's lanes (Kim Thành's two outbound lanes face two inbound at Beishan).
/// Reference data in every database; an instance serves only its own side's gates.
struct SeedHekouGates: AsyncMigration {
    static let gates: [SeedLaoCaiGates.GateSeed] = [
        .init(id: "beishan", en: "Beishan Port (Hekou), opposite Kim Thanh", vi: "Cửa khẩu Bắc Sơn (Hà Khẩu), đối diện Kim Thành",
              zh: "河口北山口岸", mode: "road-freight", counterpart: "Kim Thành (金城), Lào Cai", outbound: 3, inbound: 2),
        .init(id: "hekou-road", en: "Hekou Road Port", vi: "Cửa khẩu đường bộ Hà Khẩu", zh: "河口公路口岸", mode: "road",
              counterpart: "Lào Cai Road Gate No.1", outbound: 1, inbound: 1),
        .init(id: "hekou-rail", en: "Hekou North Railway Port", vi: "Cửa khẩu đường sắt Hà Khẩu Bắc", zh: "河口北铁路口岸", mode: "rail",
              counterpart: "Lào Cai Railway Gate", outbound: 1, inbound: 1),
        .init(id: "basa", en: "Basa Port", vi: "Cửa khẩu Bá Sái", zh: "坝洒口岸", mode: "road", counterpart: "Bản Vược", outbound: 1, inbound: 1),
        .init(id: "qiaotou", en: "Qiaotou Port", vi: "Cửa khẩu Kiều Đầu", zh: "桥头口岸", mode: "road", counterpart: "Mường Khương", outbound: 1, inbound: 1),
    ]

    func prepare(on database: any Database) async throws {
        let pairs = Dictionary(uniqueKeysWithValues: AddGateSides.pairs.map { ($1, $0) })
        for seed in Self.gates {
            // Columns named, not the model: later migrations may add columns this one predates.
            try await (database as! any SQLDatabase).insert(into: GateModel.schema)
                .columns("id", "name_en", "name_vi", "name_zh", "mode", "time_zone", "counterpart", "side", "paired_gate")
                .values(
                    SQLBind(seed.id), SQLBind(seed.en), SQLBind(seed.vi), SQLBind(seed.zh), SQLBind(seed.mode), SQLBind("Asia/Shanghai"),
                    SQLBind(seed.counterpart), SQLBind("CN-HEKOU"), SQLBind(pairs[seed.id]))
                .run()
            try await SeedLaoCaiGates.lanes(of: seed, on: database)
        }
    }

    func revert(on database: any Database) async throws {
        let ids = Self.gates.map(\.id)
        try await LaneModel.query(on: database).filter(\.$gate.$id ~~ ids).delete()
        try await GateModel.query(on: database).filter(\.$id ~~ ids).delete()
    }
}
