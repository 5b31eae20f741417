import Foundation

/// Why a message was not applied: the reason codes of the protocol (docs/BORDERLINK.md §6).
/// They never change with language; a person reads `detail`.
public enum RefusalReason: String, Sendable, Codable, CaseIterable {
    case badSignature = "bad-signature"
    case unknownSender = "unknown-sender"
    case unknownKey = "unknown-key"
    case wrongReceiver = "wrong-receiver"
    case outsideWindow = "outside-window"
    case malformed
    case unsupportedVersion = "unsupported-version"
}

/// A message the receiver will not apply, and why.
public struct LinkRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: RefusalReason
    public var detail: String

    public init(_ reason: RefusalReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
