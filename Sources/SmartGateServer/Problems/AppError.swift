import BorderLink
import GateKit
import Vapor

/// The errors SmartGate answers with on purpose. `ProblemMiddleware` renders each as an
/// RFC 9457 problem with a stable `type`; anything else is an unexpected 500.
enum AppError: Error, Sendable {
    /// Well-formed but invalid input: every issue at once (422).
    case validation(ValidationFailure)
    /// The body is not JSON (400).
    case malformedJSON(String)
    /// The body is not `application/json` (415).
    case unsupportedMediaType(String)
    /// No such object (404). `kind` names what was looked for: "declaration", "lane".
    case notFound(kind: String, id: String)
    /// The declaration changed since the client read it (409).
    case staleVersion(current: Int, given: Int)
    /// The lifecycle does not allow this transition (409).
    case transition(TransitionRefused)
    /// An idempotency key (or a device event id) was reused with a different body (409).
    case idempotencyMismatch(key: String)
    /// The lane has no vehicle to apply this reading to (409).
    case noVehicleInLane(laneId: String)
    /// A query parameter is invalid (400), e.g. a malformed cursor.
    case badQuery(field: String, message: String)
    /// The server is shutting down or the database is unreachable (503).
    case unavailable(String)
    /// No credential, or one that is not valid (401).
    case unauthenticated(AccessRefusal, scheme: CredentialScheme = .bearer)
    /// A valid credential without the right (403).
    case forbidden(AccessRefusal)
    /// The caller's budget is spent (429); retry after this many seconds.
    case rateLimited(retryAfter: Int)
    /// A customs rule blocks declarations from this enterprise (403).
    case declarantBlocked
    /// The inspection is not in a state that allows this (409); the detail says why.
    case conflict(String)
    /// A peer's request on the link was not authenticated (401); the reason is the
    /// protocol's refusal code (docs/BORDERLINK.md §6).
    case linkRefused(LinkRefusal)
    /// A booking or a move the slot's state refuses (409): its code, and the next slots
    /// that have a place for it.
    case bookingRefused(BookingRefusal, nextFree: [SlotView])
}

extension AppError {
    /// The error as one line for the command line.
    var oneLine: String {
        switch self {
        case .validation(let failure):
            failure.issues.map { "\($0.field.isEmpty ? "input" : $0.field): \($0.message())" }.joined(separator: "; ")
        case .notFound(let kind, let id): "no \(kind) \(id)"
        default: "\(self)"
        }
    }
}

/// The stable problem types. Clients match on `type`; `title` is for people.
enum ProblemType: String, Sendable {
    case validation = "validation-failed"
    case malformedJSON = "malformed-json"
    case unsupportedMediaType = "unsupported-media-type"
    case notFound = "not-found"
    case conflict = "conflict"
    case staleVersion = "stale-version"
    case transition = "invalid-transition"
    case idempotencyMismatch = "idempotency-key-reused"
    case badQuery = "invalid-query"
    case payloadTooLarge = "payload-too-large"
    case methodNotAllowed = "method-not-allowed"
    case rateLimited = "rate-limited"
    case unauthenticated = "unauthenticated"
    case forbidden = "forbidden"
    case declarantBlocked = "declarant-blocked"
    case unavailable = "service-unavailable"
    case internalError = "internal-error"
    case http = "http-error"
    case bookingRefused = "booking-refused"

    var uri: String { "urn:smartgate:problem:\(rawValue)" }

    func title(in language: Language) -> String {
        let titles: (en: String, vi: String, zh: String) = switch self {
        case .validation: ("The request has invalid fields", "Yêu cầu có trường không hợp lệ", "请求包含无效字段")
        case .malformedJSON: ("The body is not valid JSON", "Nội dung không phải JSON hợp lệ", "请求体不是有效的 JSON")
        case .unsupportedMediaType: ("Unsupported media type", "Kiểu nội dung không được hỗ trợ", "不支持的媒体类型")
        case .notFound: ("Not found", "Không tìm thấy", "未找到")
        case .conflict: ("Conflict", "Xung đột", "冲突")
        case .staleVersion: ("The declaration was changed by someone else", "Tờ khai đã bị thay đổi", "申报已被他人修改")
        case .transition: ("Not allowed in the current state", "Không được phép ở trạng thái hiện tại", "当前状态不允许此操作")
        case .idempotencyMismatch: ("Idempotency key reused with a different request", "Khóa idempotency bị dùng lại với yêu cầu khác", "幂等键被用于不同的请求")
        case .badQuery: ("Invalid query parameter", "Tham số truy vấn không hợp lệ", "查询参数无效")
        case .payloadTooLarge: ("The body is too large", "Nội dung quá lớn", "请求体过大")
        case .methodNotAllowed: ("Method not allowed", "Phương thức không được phép", "不允许的方法")
        case .rateLimited: ("Too many requests", "Quá nhiều yêu cầu", "请求过多")
        case .unauthenticated: ("Sign-in required", "Cần đăng nhập", "需要登录")
        case .forbidden: ("Not allowed", "Không có quyền", "无权操作")
        case .declarantBlocked: ("Declarations from this enterprise are blocked", "Doanh nghiệp bị chặn khai báo", "该企业的申报已被拦截")
        case .unavailable: ("Service unavailable", "Dịch vụ tạm thời không khả dụng", "服务暂不可用")
        case .internalError: ("Internal error", "Lỗi nội bộ", "内部错误")
        case .http: ("HTTP error", "Lỗi HTTP", "HTTP 错误")
        case .bookingRefused: ("The booking is refused", "Không thể đặt chỗ", "预约被拒绝")
        }
        switch language {
        case .en: return titles.en
        case .vi: return titles.vi
        case .zh: return titles.zh
        }
    }
}

/// One invalid field in a problem's `errors`.
struct ProblemFieldError: Content, Equatable {
    var field: String
    var code: String
    var message: String
}

/// An RFC 9457 problem document.
struct ProblemDetails: Content {
    var type: String
    var title: String
    var status: Int
    var detail: String?
    var instance: String?
    var errors: [ProblemFieldError]?
    /// A refused booking: why (`BookingRefusal`), and the next slots with a place.
    var code: String?
    var nextFree: [SlotView]?
}
