/// Lower-case hex text of bytes (digests, keys).
///
/// Why not `String(format: "%02x")` per byte: Foundation's formatter costs microseconds a
/// byte, and a reading's request digest, device-key digest and fingerprint made it a tenth of
/// the server's time under load.
public enum Hex {
    /// The bytes as lower-case hex, two characters each.
    public static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let digits = Array("0123456789abcdef".utf8)
}
