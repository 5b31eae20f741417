import Crypto
import Foundation

/// Lane-device credentials: 256-bit random keys, shown once, stored as SHA-256.
///
/// Why not bcrypt like passwords: a device sends several readings a second, and a
/// per-request bcrypt would cap ingest at a few hundred per second. A 256-bit random key
/// cannot be guessed, so a fast hash loses nothing.
public enum DeviceKey {
    /// Every key starts with this, so a leaked key is recognisable (secret scanners).
    public static let prefix = "sgd_"

    /// A new key: `sgd_` and 43 base64url characters (32 random bytes).
    public static func generate() -> String {
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        return prefix + base64URL(bytes)
    }

    /// Whether `text` has a key's shape (checked before hashing, so junk costs nothing).
    public static func isWellFormed(_ text: String) -> Bool {
        guard text.hasPrefix(prefix), text.utf8.count == prefix.utf8.count + 43 else { return false }
        return text.utf8.dropFirst(prefix.utf8.count).allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
        }
    }

    /// The stored form: lowercase hex SHA-256 of the key's UTF-8 bytes.
    public static func digest(of key: String) -> String {
        Hex.lowercase(SHA256.hash(data: Data(key.utf8)))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
