import BorderLink
import Crypto
import Foundation

/// The server's secrets: the key that signs session tokens (HMAC-SHA256) and the Ed25519
/// key that signs the audit head.
///
/// They come from configuration (`SMARTGATE_TOKEN_KEY`, `SMARTGATE_AUDIT_KEY`, base64)
/// or from a key file beside the database, created once, so that a restart logs nobody
/// out and an audit head signed yesterday still verifies today.
struct ServerKeys: Sendable {
    let tokenKey: SymmetricKey
    let auditKey: Curve25519.Signing.PrivateKey
    /// Where they came from, for the startup log (never the keys themselves).
    let origin: String

    /// The random-sampling secret: `SMARTGATE_SAMPLING_SECRET`, else derived from the
    /// token key by HKDF, so it persists with the key file without changing its format,
    /// and handing it to an auditor discloses nothing that signs tokens.
    func samplingSecret(_ settings: ServerSettings) -> Data {
        if let given = settings.samplingSecretBase64, let bytes = Data(base64Encoded: given) { return bytes }
        return derived("smartgate random sampling v1").withUnsafeBytes { Data($0) }
    }

    /// A key for one purpose, derived from the token key by HKDF: it persists with the key
    /// file, is the same on every instance, and disclosing it discloses nothing that signs.
    func derived(_ purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: tokenKey, info: Data(purpose.utf8), outputByteCount: 32)
    }

    /// A throwaway pair, for in-memory databases (tests).
    static func ephemeral() -> ServerKeys {
        ServerKeys(tokenKey: SymmetricKey(size: .bits256), auditKey: Curve25519.Signing.PrivateKey(), origin: "generated for this process")
    }

    private struct KeyFile: Codable {
        var tokenKey: String
        var auditKey: String
        var createdAt: String
    }

    /// Loads the keys the settings point at; `settings.keyMode` says what to do when the
    /// key file does not exist yet.
    static func load(_ settings: ServerSettings) throws -> ServerKeys {
        let keys = try loadFiles(settings)
        guard let path = settings.linkKeyPath else { return keys }
        // The side's key given apart (`--key`): it signs the audit head and the link.
        return ServerKeys(tokenKey: keys.tokenKey, auditKey: try readSigningKey(at: path), origin: "\(keys.origin) and \(path)")
    }

    /// Reads a private key written by `smartgate keys generate`: base64 of its 32 raw bytes.
    static func readSigningKey(at path: String) throws -> Curve25519.Signing.PrivateKey {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw SettingsError("cannot read the key file \(path)") }
        guard let key = LinkKey.privateKey(base64: text) else {
            throw SettingsError("\(path) does not hold an Ed25519 private key (base64 of 32 bytes, as `smartgate keys generate` writes)")
        }
        return key
    }

    /// Writes a new Ed25519 private key to `path` (mode 0600, never over an existing file).
    static func writeSigningKey(to path: String) throws -> Curve25519.Signing.PrivateKey {
        let key = Curve25519.Signing.PrivateKey()
        let data = Data((key.rawRepresentation.base64EncodedString() + "\n").utf8)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw SettingsError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else { throw SettingsError("cannot write \(path): \(String(cString: strerror(errno)))") }
        return key
    }

    private static func loadFiles(_ settings: ServerSettings) throws -> ServerKeys {
        if let token = settings.tokenKeyBase64, let audit = settings.auditKeyBase64 {
            return try ServerKeys(tokenBase64: token, auditBase64: audit, origin: "SMARTGATE_TOKEN_KEY and SMARTGATE_AUDIT_KEY")
        }
        guard let path = settings.keyFilePath else { return ephemeral() }
        if FileManager.default.fileExists(atPath: path) { return try read(from: path) }
        switch settings.keyMode {
        case .createIfMissing: return try write(to: path)
        case .useIfPresent: return ephemeral()
        case .requireExisting: throw SettingsError(
                "no signing key: create one with `smartgate keys create` (it writes \(path)), or set SMARTGATE_TOKEN_KEY and SMARTGATE_AUDIT_KEY")
        }
    }

    private static func read(from path: String) throws -> ServerKeys {
        let file: KeyFile
        do {
            file = try JSONDecoder().decode(KeyFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw SettingsError("key file \(path) is unreadable or damaged: \(error)")
        }
        return try ServerKeys(tokenBase64: file.tokenKey, auditBase64: file.auditKey, origin: path)
    }

    /// Creates a key file at `path`; refuses to overwrite one (that would log everyone out
    /// and orphan every signed audit head).
    static func write(to path: String) throws -> ServerKeys {
        let keys = ephemeral()
        let file = KeyFile(
            tokenKey: keys.tokenKey.withUnsafeBytes { Data($0) }.base64EncodedString(),
            auditKey: keys.auditKey.rawRepresentation.base64EncodedString(),
            createdAt: ISO8601DateFormatter().string(from: Date()))
        let data = try JSONEncoder().encode(file)
        // O_EXCL: two processes starting at once cannot both write a key; mode 0600: the
        // file is a secret.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            // Another process won the race: use its keys.
            if errno == EEXIST { return try read(from: path) }
            throw SettingsError("cannot create key file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else {
            throw SettingsError("cannot write key file \(path): \(String(cString: strerror(errno)))")
        }
        return ServerKeys(tokenKey: keys.tokenKey, auditKey: keys.auditKey, origin: path)
    }

    private init(tokenKey: SymmetricKey, auditKey: Curve25519.Signing.PrivateKey, origin: String) {
        self.tokenKey = tokenKey
        self.auditKey = auditKey
        self.origin = origin
    }

    private init(tokenBase64: String, auditBase64: String, origin: String) throws {
        guard let token = Data(base64Encoded: tokenBase64), token.count >= 32 else {
            throw SettingsError("the token key in \(origin) must be base64 of at least 32 bytes")
        }
        guard let audit = Data(base64Encoded: auditBase64), let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: audit) else {
            throw SettingsError("the audit key in \(origin) must be base64 of a 32-byte Ed25519 private key")
        }
        self.init(tokenKey: SymmetricKey(data: token), auditKey: key, origin: origin)
    }
}
