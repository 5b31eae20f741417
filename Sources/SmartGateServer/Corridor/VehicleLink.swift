import CorridorKit
import Foundation
import GateKit
import NIOConcurrencyHelpers
import Vapor

/// A real shuttle's link to the fleet controller: VDA 5050 topics as JSON text frames over
/// a WebSocket, `{"topic": "state" | "connection", "message": {…}}` in and
/// `{"topic": "order" | "instantActions", "message": {…}}` out — the MQTT topics of the
/// standard, over the transport SmartGate already serves. The vehicle's gateway signs in
/// as a corridor operator. A plain GET answers the vehicle's status and how to connect.
enum VehicleLink {
    struct Frame<Message: Codable>: Codable {
        var topic: String
        var message: Message
    }

    struct TopicOnly: Decodable { var topic: String }

    struct LinkInfo: Encodable, Sendable {
        var vehicle: VehicleStatus
        var protocolVersion: String
        var topicsIn: [String]
        var topicsOut: [String]
        var howToConnect: String
    }

    /// `GET /api/v1/corridor/vehicles/{id}/link`.
    @Sendable static func link(_ request: Request) async throws -> Response {
        let user = try CorridorController.requireCorridorAccess(request)
        let operations = try CorridorController.operations(request)
        let id = request.parameters.get("id") ?? ""
        guard let status = operations.vehicle(id) else { throw AppError.notFound(kind: "vehicle", id: id) }
        let upgrade = request.headers.first(name: .upgrade)?.lowercased() == "websocket"
        guard upgrade else {
            return try WireJSON.response(LinkInfo(
                vehicle: status, protocolVersion: VDA5050.version, topicsIn: ["state", "connection"], topicsOut: ["order", "instantActions"],
                howToConnect: "open a WebSocket to this URL with the corridor operator's bearer token; send {\"topic\":\"state\",\"message\":{…}} frames"))
        }
        let logger = request.logger
        let actor = user.actor
        return request.webSocket(maxFrameSize: .init(integerLiteral: 1 << 20)) { _, socket in
            serve(socket, vehicle: id, operations: operations, logger: logger, actor: actor)
        }
    }

    private static func serve(_ socket: WebSocket, vehicle id: String, operations: CorridorOperations, logger: Logger, actor: String) {
        let first = NIOLockedValueBox(true)
        do {
            try operations.attach(id) { command in
                let data: Data?
                switch command {
                case .order(let order): data = try? VDA5050.encode(Frame(topic: "order", message: order))
                case .instantActions(let actions): data = try? VDA5050.encode(Frame(topic: "instantActions", message: actions))
                }
                if let data { socket.send(String(decoding: data, as: UTF8.self)) }
            }
        } catch {
            refuse(socket, error.description)
            return
        }
        logger.notice("corridor: \(id) linked by \(actor)")
        socket.onText { socket, text in
            let data = Data(text.utf8)
            do {
                let topic = try JSONDecoder().decode(TopicOnly.self, from: data).topic
                switch topic {
                case "state":
                    let state = try VDA5050.decode(Frame<VDA5050.State>.self, from: data).message
                    let isFirst = first.withLockedValue { value in defer { value = false }; return value }
                    do { try operations.receive(state, from: id, first: isFirst) } catch {
                        refuse(socket, String(describing: error))
                    }
                case "connection":
                    let connection = try VDA5050.decode(Frame<VDA5050.Connection>.self, from: data).message
                    if connection.connectionState != .online { _ = socket.close(code: .normalClosure) }
                default:
                    sendError(socket, "unknown topic; send state or connection")
                }
            } catch {
                sendError(socket, "not a VDA 5050 frame: \(String(describing: error).prefix(200))")
            }
        }
        socket.onClose.whenComplete { _ in
            operations.detach(id)
            logger.notice("corridor: \(id) link closed; the vehicle is UNKNOWN once silent")
        }
    }

    struct ErrorMessage: Codable { var errorDescription: String }

    /// An `error` frame, encoded like every other frame (so any text is escaped properly).
    private static func sendError(_ socket: WebSocket, _ description: String) {
        if let data = try? VDA5050.encode(Frame(topic: "error", message: ErrorMessage(errorDescription: description))) {
            socket.send(String(decoding: data, as: UTF8.self))
        }
    }

    private static func refuse(_ socket: WebSocket, _ reason: String) {
        sendError(socket, reason)
        _ = socket.close(code: .policyViolation)
    }
}
