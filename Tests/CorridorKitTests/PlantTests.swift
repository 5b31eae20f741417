import Foundation
import GateKit
import Testing
@testable import CorridorKit

/// A small valid plant for tests: two yards with eight bays each, one single-vehicle span.
func testPlant(vehicles: Int = 3) -> CorridorPlant {
    let homes = ["A-P1", "A-P2", "B-P1", "A-P3", "B-P2", "B-P3"]
    return TwoYardPlant(baysPerSide: 8, homes: Array(homes.prefix(vehicles))).build()
}

@Suite("Corridor plant")
struct PlantTests {
    @Test("the shipped Kim Thành–Bắc Sơn plant is valid")
    func shippedPlant() throws {
        let plant = CorridorPlant.kimThanh()
        #expect(plant.validate().isEmpty)
        let network = CorridorNetwork(plant)
        #expect(network.resources[network.bridgeResource].kind == .singleVehicle)
        #expect(plant.locations.count { $0.kind == .parking } >= 20)
        // Every bay reaches every bay on the other side, over the span.
        let vn = network.locations.first { $0.id == "VN-H1" }!, cn = network.locations.first { $0.id == "CN-H6" }!
        let route = try #require(network.route(from: vn.point, to: cn.point, kmh: 30))
        #expect(route.paths.contains { network.paths[$0].onBridge })
    }

    /// Each row breaks one rule of a valid plant and names the field the error must point at.
    static let broken: [(String, String, @Sendable (inout CorridorPlant) -> Void)] = [
        ("format", "expected smartgate-corridor-plant/1", { $0.format = "other/1" }),
        ("timeZone", "unknown time zone", { $0.timeZone = "Mars/Olympus" }),
        ("paths[0].to", "unknown point", { $0.paths[0].to = "NOWHERE" }),
        ("paths[0].length", "greater than 0", { $0.paths[0].length = -5 }),
        ("paths[0].maxSpeedKmh", "greater than 0", { $0.paths[0].maxSpeedKmh = 0 }),
        ("points[1].id", "duplicate point", { $0.points[1].id = $0.points[0].id }),
        ("blocks[0].paths[0]", "unknown path", { $0.blocks[0].paths[0] = "X>Y" }),
        ("blocks[1].paths[0]", "already in block", {
            $0.blocks.append(PlantBlock(id: "TWICE", kind: .sameDirection, paths: [$0.blocks[0].paths[0]], reverse: nil))
        }),
        ("blocks[0].reverse", "single-vehicle block", { $0.blocks[0].reverse = ["A-HUB>A-STOP"] }),
        ("bridge.block", "unknown block", { $0.bridge.block = "NONE" }),
        ("bridge.maxVehicles", "single-vehicle block, so at most 1", { $0.bridge.maxVehicles = 2 }),
        ("locations[0].point", "through route", {
            // A bay on the approach road: vehicles stopping there would block the way over the bridge.
            $0.locations[0].point = "A-STOP"
        }),
        ("locations", "parking places for", {
            for i in $0.fleet.indices { $0.fleet[i].home = "A-P1" }
            $0.locations.removeAll { $0.kind == .parking && $0.id != "A-P1" }
        }),
        ("fleet[0].home", "not parking", { $0.fleet[0].home = "A-H1" }),
        ("fleet[1].home", "already home of", { $0.fleet[1].home = $0.fleet[0].home }),
        ("fleet[0].batteryKWh", "greater than 0", { $0.fleet[0].batteryKWh = 0 }),
        ("windows.daily[0].from", "expected HH:mm", { $0.windows.daily = [DailyWindow(from: "25:00", to: "26:00")] }),
        ("windows.daily[0].to", "ends after it starts", { $0.windows.daily = [DailyWindow(from: "22:00", to: "06:00")] }),
        ("windows.daily[1]", "overlap", {
            $0.windows.daily = [DailyWindow(from: "06:00", to: "12:00"), DailyWindow(from: "11:00", to: "14:00")]
        }),
        ("windows.exceptions[0].date", "YYYY-MM-DD", { $0.windows.exceptions = [WindowException(date: "2027-13-01", closed: true)] }),
        ("windows.exceptions[0]", "closed: true or", { $0.windows.exceptions = [WindowException(date: "2027-02-06")] }),
        ("energy", "critical < good", { $0.energy.critical = 0.9 }),
        ("operations.silentAfterSeconds", "must exceed reportEverySeconds", { $0.operations.silentAfterSeconds = 5 }),
        ("operations.maxSameDirectionInRow", "between 1 and 20", { $0.operations.maxSameDirectionInRow = 0 }),
    ]

    @Test("a bad plant is refused, naming the field", arguments: broken.indices)
    func brokenPlant(_ row: Int) throws {
        let (field, message, breakIt) = Self.broken[row]
        var plant = testPlant()
        breakIt(&plant)
        let data = try JSONEncoder().encode(plant)
        do {
            _ = try CorridorPlant.load(data)
            Issue.record("plant with a broken \(field) was accepted")
        } catch {
            #expect(error.issues.contains { $0.field == field && $0.message.contains(message) },
                    "expected \(field): …\(message)…, got \(error.issues)")
        }
    }

    @Test("a file that is not a plant names the missing field")
    func notAPlant() {
        #expect(throws: PlantError.self) { try CorridorPlant.load(Data("[]".utf8)) }
        do {
            _ = try CorridorPlant.load(Data(#"{"format":"smartgate-corridor-plant/1","name":"x"}"#.utf8))
        } catch {
            #expect(error.issues.first?.message == "required")
            #expect(error.description.hasPrefix("corridor plant is invalid"))
        }
    }

    @Test("a fleet larger than the parking is refused")
    func fleetTooLarge() {
        #expect(throws: PlantError.self) { try testPlant().withFleet(7) }
        let five = try? testPlant().withFleet(5)
        #expect(five?.fleet.count == 5)
    }
}

@Suite("Crossing windows")
struct WindowTests {
    /// 2027-02-05 00:00 in Hanoi (UTC+7), as Unix seconds.
    static let day = 1_801_760_400.0
    static let calendar = WindowCalendar(
        CorridorWindows(daily: [DailyWindow(from: "06:00", to: "22:00")],
                        exceptions: [WindowException(date: "2027-02-06", closed: true),
                                     WindowException(date: "2027-02-07", windows: [DailyWindow(from: "08:00", to: "17:00")])]),
        timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)

    static let cases: [(hour: Double, open: Bool)] = [
        (5.99, false), (6.0, true), (12, true), (21.99, true), (22, false), (23.5, false),
        (24 + 12, false),              // 6 February: closed for Tết
        (48 + 7.5, false), (48 + 8, true), (48 + 16.99, true), (48 + 17, false),  // 7 February: short day
        (72 + 6, true),
    ]

    @Test("open and closed at each hour, exceptions included", arguments: cases)
    func openAt(_ row: (hour: Double, open: Bool)) {
        #expect((Self.calendar.window(containing: Self.day + row.hour * 3_600) != nil) == row.open)
    }

    @Test("a crossing must end before the window closes; the next opening skips closed days")
    func crossingAndNextOpening() {
        #expect(Self.calendar.admits(crossingAt: Self.day + 21.9 * 3_600, taking: 60))
        #expect(!Self.calendar.admits(crossingAt: Self.day + 22 * 3_600 - 30, taking: 60))
        #expect(Self.calendar.nextOpening(atOrAfter: Self.day + 22.5 * 3_600) == Self.day + (48 + 8) * 3_600)
    }
}
