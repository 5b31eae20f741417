import Foundation

extension IssueCode {
    public static let passwordLength = IssueCode(
        "password.length",
        en: "must be {min} to {max} bytes long",
        vi: "phải dài từ {min} đến {max} byte",
        zh: "长度须为 {min} 至 {max} 字节")
}

/// The rules for user accounts: e-mail addresses as login names, password lengths.
public enum AccountRules {
    /// bcrypt reads only the first 72 bytes; a longer password would silently lose its tail.
    public static let passwordMaximumBytes = 72
    /// New passwords: long enough to resist guessing once the login rate limit is met.
    public static let passwordMinimumBytes = 10
    public static let emailMaximumLength = 254

    /// A login name: trimmed, lower-cased, one `@` with something on each side, no spaces.
    public static func email(_ raw: String) throws(Issue) -> String {
        let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.count <= emailMaximumLength, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control })
        else { throw Issue(.pattern, ["description": "name@domain", "actual": String(raw.prefix(64))]) }
        return text
    }

    /// A password offered at login: any 1 to 72 bytes (no trimming: spaces count).
    public static func loginPassword(_ raw: String) throws(Issue) -> String {
        guard (1...passwordMaximumBytes).contains(raw.utf8.count) else {
            throw Issue(.passwordLength, ["min": "1", "max": "\(passwordMaximumBytes)"])
        }
        return raw
    }

    /// Whether a password given at login could be one that was set. bcrypt reads a password
    /// only up to its first NUL, so `right-password\0anything` would match the hash of
    /// `right-password`; no password is ever set with a control character (`newPassword`),
    /// so a login password with one never matches (the server still runs bcrypt, so the
    /// answer takes as long as any other wrong password).
    public static func couldHaveBeenSet(_ password: String) -> Bool {
        !password.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// A password being set: 10 to 72 bytes, no control characters.
    public static func newPassword(_ raw: String) throws(Issue) -> String {
        guard (passwordMinimumBytes...passwordMaximumBytes).contains(raw.utf8.count) else {
            throw Issue(.passwordLength, ["min": "\(passwordMinimumBytes)", "max": "\(passwordMaximumBytes)"])
        }
        if let control = raw.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw Issue(.controlCharacter, ["codepoint": String(format: "%04X", control.value)])
        }
        return raw
    }

    /// The e-mail and password of a login request, every problem at once.
    public static func login(_ json: JSONValue) throws(ValidationFailure) -> (email: String, password: String) {
        var reader = FieldReader()
        let object = reader.object(json, at: "")
        let email = reader.parse(object?["email"], at: "email", maxLength: emailMaximumLength, AccountRules.email)
        var password: String?
        switch object?["password"] {
        case .string(let raw)?:
            do { password = try loginPassword(raw) } catch { reader.add(error.at("password")) }
        case nil, .null?:
            if object != nil { reader.add(Issue(field: "password", .required)) }
        case let other?:
            reader.add(Issue(field: "password", .wrongType, ["expected": "a string", "actual": other.typeName]))
        }
        try reader.finish()
        guard let email, let password else { throw ValidationFailure([Issue(field: "", .required)]) }
        return (email, password)
    }
}
