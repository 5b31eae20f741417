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

    /// - Parameter detail: kept to 500 characters without control characters, since it
    ///   quotes what the sender sent and is stored and shown as it is.
    public init(_ reason: RefusalReason, _ detail: String) {
        self.reason = reason
        var clean = String.UnicodeScalarView()
        clean.append(contentsOf: detail.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(500))
        self.detail = String(clean)
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
