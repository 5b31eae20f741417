import Fluent
import SQLKit

/// The crossings of the Lào Cai border-gate economic zone and their lanes.
///
/// Kim Thành's five lanes (2 outbound, 3 inbound) are as reported for the freight gate
/// (Nông nghiệp & Môi trường, Oct 2025); the other gates get one lane each way until
/// their operators describe them. Reference data, seeded in every mode.
struct SeedLaoCaiGates: AsyncMigration {
    struct GateSeed {
        var id, en, vi, zh, mode, counterpart: String
        var outbound, inbound: Int
    }

    static let gates: [GateSeed] = [
        GateSeed(id: "kim-thanh", en: "Kim Thanh International Road Gate No.2", vi: "Cửa khẩu quốc tế đường bộ số II Kim Thành",
                 zh: "金城国际公路二号口岸", mode: "road-freight", counterpart: "Beishan (北山), Hekou", outbound: 2, inbound: 3),
        GateSeed(id: "lao-cai-road-1", en: "Lao Cai International Road Gate No.1", vi: "Cửa khẩu quốc tế đường bộ số I Lào Cai",
                 zh: "老街国际公路一号口岸", mode: "road", counterpart: "Hekou (河口)", outbound: 1, inbound: 1),
        GateSeed(id: "lao-cai-rail", en: "Lao Cai International Railway Gate", vi: "Cửa khẩu quốc tế ga đường sắt Lào Cai",
                 zh: "老街国际铁路口岸", mode: "rail", counterpart: "Hekou North station (河口北)", outbound: 1, inbound: 1),
        GateSeed(id: "ban-vuoc", en: "Ban Vuoc Gate", vi: "Cửa khẩu Bản Vược",
                 zh: "班伟口岸", mode: "road", counterpart: "Basa (坝洒)", outbound: 1, inbound: 1),
        GateSeed(id: "muong-khuong", en: "Muong Khuong Gate", vi: "Cửa khẩu Mường Khương",
                 zh: "芒康口岸", mode: "road", counterpart: "Qiaotou (桥头)", outbound: 1, inbound: 1),
    ]

    func prepare(on database: any Database) async throws {
        for seed in Self.gates {
            // Columns named, not the model: later migrations add columns this one predates.
            try await (database as! any SQLDatabase).insert(into: GateModel.schema)
                .columns("id", "name_en", "name_vi", "name_zh", "mode", "time_zone", "counterpart")
                .values(
                    SQLBind(seed.id), SQLBind(seed.en), SQLBind(seed.vi), SQLBind(seed.zh), SQLBind(seed.mode),
                    SQLBind("Asia/Ho_Chi_Minh"), SQLBind(seed.counterpart))
                .run()
            try await Self.lanes(of: seed, on: database)
        }
    }

    /// The gate's lanes, outbound first: `<gate>-out-1`, …, `<gate>-in-1`, ….
    static func lanes(of seed: GateSeed, on database: any Database) async throws {
        var position = 0
        for (direction, count, tag) in [("outbound", seed.outbound, "out"), ("inbound", seed.inbound, "in")] {
            for index in 1...count {
                position += 1
                // Columns named, as for the gates: `kind` comes later, with a default.
                try await (database as! any SQLDatabase).insert(into: LaneModel.schema).columns("id", "gate_id", "direction", "position")
                    .values(SQLBind("\(seed.id)-\(tag)-\(index)"), SQLBind(seed.id), SQLBind(direction), SQLBind(position)).run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        let ids = Self.gates.map(\.id)
        try await LaneModel.query(on: database).filter(\.$gate.$id ~~ ids).delete()
        try await GateModel.query(on: database).filter(\.$id ~~ ids).delete()
    }
}
