import CorridorKit
import Foundation
import GateKit
import NIOHTTP1
import NIOWebSocket
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
        guard let status = await operations.vehicle(id) else { throw AppError.notFound(kind: "vehicle", id: id) }
        let upgrade = request.headers.first(name: .upgrade)?.lowercased() == "websocket"
        guard upgrade else {
            return try WireJSON.response(LinkInfo(
                vehicle: status, protocolVersion: VDA5050.version, topicsIn: ["state", "connection"], topicsOut: ["order", "instantActions"],
                howToConnect: "open a WebSocket to this URL with the corridor operator's bearer token; send {\"topic\":\"state\",\"message\":{…}} frames"))
        }
        let logger = request.logger
        let actor = user.actor
        let response = Response(status: .switchingProtocols)
        response.upgrader = LinkUpgrader { socket in
            serve(socket, vehicle: id, operations: operations, logger: logger, actor: actor)
        }
        return response
    }

    /// Vapor's own upgrader bounds single frames only; a message sent in many small
    /// fragments would be assembled without limit. This one bounds both at
    /// `maxFrameBytes`, and lets NIO answer a frame over it with close code 1009.
    struct LinkUpgrader: Upgrader {
        let onUpgrade: @Sendable (WebSocket) -> Void

        func applyUpgrade(req: Request, res: Response) -> any HTTPServerProtocolUpgrader {
            let configuration = {
                var configuration = WebSocket.Configuration()
                configuration.maxAccumulatedFrameSize = maxFrameBytes
                configuration.maxAccumulatedFrameCount = 256
                return configuration
            }()
            return NIOWebSocketServerUpgrader(
                maxFrameSize: maxFrameBytes, automaticErrorHandling: true,
                shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture([:]) },
                upgradePipelineHandler: { channel, _ in WebSocket.server(on: channel, config: configuration, onUpgrade: onUpgrade) })
        }
    }

    /// The largest frame, and message, a vehicle may send: a VDA 5050 state of this plant
    /// is a few kilobytes. Either larger is refused by the WebSocket layer (`LinkUpgrader`)
    /// with close code 1009 before it is held in memory; `interpret` checks again, so a
    /// frame that reaches it oversized still gets a `frame.too-large` error frame.
    static let maxFrameBytes = 64 * 1024

    /// States received and not yet given to the controller: a vehicle reports every second
    /// or so, and the controller takes each in far less, so a queue this long is a gateway
    /// replaying or looping, and at most this many frames are held in memory.
    static let maxQueuedStates = 64

    /// What one text frame from a vehicle carries.
    enum Inbound {
        case state(VDA5050.State)
        case connection(VDA5050.Connection)
    }

    /// Why a frame was refused: a stable `code` and a plain `message` naming the field at
    /// fault, never a decoder's internals.
    struct FrameRefusal: Error, Equatable, Encodable {
        var code: String
        var message: String
    }

    /// Reads one text frame: `{"topic": "state" | "connection", "message": {…}}`.
    static func interpret(_ text: String) -> Result<Inbound, FrameRefusal> {
        guard text.utf8.count <= maxFrameBytes else {
            return .failure(FrameRefusal(code: "frame.too-large", message: "frames are at most \(maxFrameBytes) bytes"))
        }
        let json: JSONValue
        do { json = try JSONValue.parse(Data(text.utf8)) } catch {
            return .failure(FrameRefusal(code: "frame.not-json", message: error.detail))
        }
        guard case .object(let frame) = json, case .string(let topic)? = frame["topic"] else {
            return .failure(FrameRefusal(code: "frame.shape", message: "a frame is an object with a string topic and a message"))
        }
        let data = Data(text.utf8)
        do {
            switch topic {
            case "state": return .success(.state(try VDA5050.decode(Frame<VDA5050.State>.self, from: data).message))
            case "connection": return .success(.connection(try VDA5050.decode(Frame<VDA5050.Connection>.self, from: data).message))
            default: return .failure(FrameRefusal(code: "frame.unknown-topic", message: "unknown topic; send state or connection"))
            }
        } catch let error as DecodingError {
            return .failure(FrameRefusal(code: "frame.invalid-message", message: describe(error)))
        } catch {
            return .failure(FrameRefusal(code: "frame.invalid-message", message: "the \(topic) message is not valid"))
        }
    }

    /// The field a decoding error is about, as a path (`message.batteryState.batteryCharge`).
    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            (keys + (last.map { [$0] } ?? [])).reduce("") { path, key in
                if let index = key.intValue { return "\(path)[\(index)]" }
                return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
            }
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath, key)) is required"
        case .valueNotFound(_, let context): return "\(path(context.codingPath)) must not be null"
        case .typeMismatch(_, let context): return "\(path(context.codingPath)) has the wrong type"
        case .dataCorrupted(let context): return "\(path(context.codingPath)) has an invalid value"
        @unknown default: return "the message is not valid"
        }
    }

    private static func serve(_ socket: WebSocket, vehicle id: String, operations: CorridorOperations, logger: Logger, actor: String) {
        // One task hands the vehicle's states to the controller in the order they came, and
        // closes the link after the last of them; the handlers only queue them.
        let (states, incoming) = AsyncStream<VDA5050.State>.makeStream(bufferingPolicy: .bufferingOldest(maxQueuedStates))
        socket.onText { socket, text in
            switch interpret(text) {
            case .success(.state(let state)):
                // A gateway far ahead of the controller is refused rather than queued
                // without bound (or its states dropped, which the first-state check reads).
                if case .dropped = incoming.yield(state) {
                    refuse(socket, FrameRefusal(
                        code: "link.too-fast", message: "more than \(maxQueuedStates) states wait for the controller; send one as the vehicle reports"))
                }
            case .success(.connection(let connection)):
                if connection.connectionState != .online { _ = socket.close(code: .normalClosure) }
            case .failure(let refusal) where refusal.code == "frame.too-large":
                refuse(socket, refusal, code: .messageTooLarge)
            case .failure(let refusal):
                sendError(socket, refusal)
            }
        }
        socket.onBinary { socket, _ in
            sendError(socket, FrameRefusal(code: "frame.binary", message: "send JSON text frames, not binary ones"))
        }
        socket.onClose.whenComplete { _ in incoming.finish() }
        Task {
            let link: VehicleLinkTicket
            do throws(CorridorEngine.LinkError) {
                link = try await operations.attach(id) { command in send(command, on: socket) }
            } catch {
                refuse(socket, FrameRefusal(code: "link.refused", message: error.description))
                return
            }
            logger.notice("corridor: \(id) linked by \(actor)")
            var first = true
            for await state in states {
                do throws(CorridorEngine.LinkError) { try await operations.receive(state, from: id, link: link, first: first) } catch {
                    // Refused: nothing queued behind it is applied (without its first state
                    // checked, a wrong position would be taken as it came).
                    refuse(socket, FrameRefusal(code: "link.refused", message: error.description))
                    break
                }
                first = false
            }
            await operations.detach(id, link: link)
            logger.notice("corridor: \(id) link closed; UNKNOWN once silent, then back to its simulated twin")
        }
    }

    /// A command from the controller, as its VDA 5050 topic.
    private static func send(_ command: VehicleCommand, on socket: WebSocket) {
        let data: Data?
        switch command {
        case .order(let order): data = try? VDA5050.encode(Frame(topic: "order", message: order))
        case .instantActions(let actions): data = try? VDA5050.encode(Frame(topic: "instantActions", message: actions))
        }
        if let data { socket.send(String(decoding: data, as: UTF8.self)) }
    }

    /// An `error` frame: `{"topic":"error","message":{"code":…,"message":…,"errorDescription":…}}`,
    /// encoded like every other frame (so any text is escaped properly). `errorDescription`
    /// repeats the message for gateways written against the first version of the link.
    private static func sendError(_ socket: WebSocket, _ refusal: FrameRefusal) {
        let message = ErrorMessage(code: refusal.code, message: refusal.message, errorDescription: refusal.message)
        if let data = try? VDA5050.encode(Frame(topic: "error", message: message)) {
            socket.send(String(decoding: data, as: UTF8.self))
        }
    }

    struct ErrorMessage: Codable {
        var code: String
        var message: String
        var errorDescription: String
    }

    private static func refuse(_ socket: WebSocket, _ refusal: FrameRefusal, code: WebSocketErrorCode = .policyViolation) {
        sendError(socket, refusal)
        _ = socket.close(code: code)
    }
}
