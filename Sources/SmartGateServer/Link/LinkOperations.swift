import Foundation
import NIOConcurrencyHelpers

/// The link's state shared by the routes and the courier.
final class LinkOperations: Sendable {
    let peers: LinkPeers
    /// When this process last sent its audit head to each peer.
    let anchored = NIOLockedValueBox([String: Date]())

    init(settings: ServerSettings) {
        peers = LinkPeers(freshness: settings.cacheFreshness)
    }
}
