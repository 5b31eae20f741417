import Foundation
import GateKit
import Logging
import NIOConcurrencyHelpers

/// The risk model the server scores with. Loaded from `SMARTGATE_RISK_MODEL` at start and
/// re-read when the file changes; a file that fails to load leaves the previous model in
/// service, and the failure is logged and shown by `GET /api/v1/risk/model`.
final class RiskModelStore: Sendable {
    struct Loaded: Sendable {
        var model: RiskModel
        var path: String
        var loadedAt: Date
        var fileModified: Date?
    }

    struct Status: Sendable {
        var current: Loaded?
        var lastError: String?
        var lastErrorAt: Date?
    }

    private let state = NIOLockedValueBox(Status(current: nil, lastError: nil, lastErrorAt: nil))

    /// The model in service, if any.
    var model: RiskModel? { state.withLockedValue { $0.current?.model } }
    var status: Status { state.withLockedValue { $0 } }

    /// Puts a model in service directly (the demo, tests).
    func use(_ model: RiskModel, path: String) {
        state.withLockedValue { $0.current = Loaded(model: model, path: path, loadedAt: Date(), fileModified: nil) }
    }

    /// Loads `path` if it is new or changed since the last load. Returns false when the
    /// file could not be used; the previous model, if any, stays in service.
    @discardableResult
    func reload(from path: String, logger: Logger) -> Bool {
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate]) as? Date
        let unchanged = state.withLockedValue { status in
            guard let current = status.current, current.path == path, let modified else { return false }
            return current.fileModified == modified
        }
        if unchanged { return true }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let model = try RiskModel.decode(data)
            state.withLockedValue {
                $0.current = Loaded(model: model, path: path, loadedAt: Date(), fileModified: modified)
                $0.lastError = nil
            }
            logger.notice("risk model \(model.version) (\(model.kind.rawValue)) in service from \(path)")
            return true
        } catch {
            let message = "\(error)"
            let previous: String? = state.withLockedValue {
                // Report a broken file once, not at every check.
                let repeated = $0.lastError == message
                $0.lastError = message
                if !repeated { $0.lastErrorAt = Date() }
                return repeated ? nil : ($0.current?.model.version ?? "none")
            }
            if let previous {
                logger.error("risk model file \(path) failed to load (\(message)); still serving model \(previous)")
            }
            return false
        }
    }
}
