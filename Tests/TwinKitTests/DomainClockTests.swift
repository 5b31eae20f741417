import Foundation
import Testing

/// The twin drives GateKit and CorridorKit in simulated time, so neither may read the wall
/// clock: time always comes from the caller. TwinKit itself reads none either (the CLI times runs).
@Suite struct DomainClockTests {
    static let wallClockReads = ["Date()", "Date.now", "ContinuousClock", "SuspendingClock", "DispatchTime.now", "CFAbsoluteTimeGetCurrent",
                                 "ProcessInfo.processInfo.systemUptime", "clock_gettime", "gettimeofday",
                                 "timeIntervalSinceNow", "Date(timeIntervalSinceNow", "DispatchWallTime.now", "time(nil)"]

    @Test(arguments: ["GateKit", "CorridorKit", "TwinKit"])
    func aPureTargetReadsNoWallClock(_ target: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("Sources/\(target)")
        let files = try #require(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(!files.isEmpty)
        for file in files {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (number, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                for read in Self.wallClockReads where line.contains(read) {
                    Issue.record("\(file.lastPathComponent):\(number + 1) reads the wall clock: \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
    }
}
