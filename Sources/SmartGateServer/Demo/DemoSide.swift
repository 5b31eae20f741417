import BorderLink
import Foundation
import GateKit

/// Who the demo plays on one side of the border: its accounts' domain, its traders, and
/// the lanes its generated trucks use.
struct DemoSide: Sendable {
    struct Trader: Sendable {
        var taxCode: String
        var name: String
    }

    var side: String
    var domain: String
    var exporter: Trader
    var importer: Trader
    /// Lanes where trucks leave this side, and where they arrive (`id`, gate).
    var exportLanes: [(id: String, gate: String)]
    var importLanes: [(id: String, gate: String)]
    /// The gate the demo's own officer (`desk@`) works.
    var deskGate: String
    /// A lane left free for the README's curl flow, if any.
    var freeLane: String?

    static let vietnam = DemoSide(
        side: LinkSide.vietnam, domain: "demo.smartgate.vn",
        exporter: Trader(taxCode: "5300100269", name: "Cong ty Nong san Lao Cai"), importer: Trader(taxCode: "5300100283", name: "Cong ty XNK Ha Khau"),
        // kim-thanh-out-2 is left free for trying the README's curl flow by hand.
        exportLanes: [("kim-thanh-out-1", "kim-thanh"), ("lao-cai-road-1-out-1", "lao-cai-road-1")],
        importLanes: [("lao-cai-road-1-in-1", "lao-cai-road-1"), ("kim-thanh-in-1", "kim-thanh"), ("kim-thanh-in-2", "kim-thanh"), ("kim-thanh-in-3", "kim-thanh")],
        deskGate: "kim-thanh", freeLane: "kim-thanh-out-2")

    static let china = DemoSide(
        side: LinkSide.china, domain: "demo.smartgate.cn",
        exporter: Trader(taxCode: "91350100M000100Y43", name: "Hekou Border Trade Co."), importer: Trader(taxCode: "91110000600037341L", name: "Yunnan Fruit Import Co."),
        exportLanes: [("beishan-out-1", "beishan"), ("hekou-road-out-1", "hekou-road")],
        importLanes: [("hekou-road-in-1", "hekou-road"), ("beishan-in-1", "beishan"), ("beishan-in-2", "beishan")],
        deskGate: "beishan", freeLane: "beishan-out-3")

    static func of(_ side: String) -> DemoSide { side == LinkSide.china ? .china : .vietnam }

    func email(_ name: String) -> String { "\(name)@\(domain)" }

    /// Whether a truck declared here in `direction` is a Vietnamese one (plates, fruit).
    func vietnameseTruck(_ direction: TripDirection) -> Bool { (side == LinkSide.vietnam) == (direction == .export) }
}
