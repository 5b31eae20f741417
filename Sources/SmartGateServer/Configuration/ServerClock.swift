import Foundation
import Vapor

/// The server's one clock. Whatever stamps or compares a time (expiry, token lifetimes, rate
/// limits, idle lanes, slots, the corridor's windows) asks it and hands the time to the
/// domain, which reads none itself; a test moves it instead of sleeping.
public struct ServerClock: Sendable {
    public let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    /// The wall clock.
    public static let system = ServerClock { Date() }
}

extension Request {
    /// Now, by the server's clock.
    var now: Date { application.smartGate.settings.clock.now() }
}

extension Application {
    /// Now, by the server's clock.
    var now: Date { smartGate.settings.clock.now() }
}

extension SmartGateContext {
    /// Now, by the server's clock.
    var now: Date { settings.clock.now() }
}
