import Foundation
import GateKit
import Testing

@Suite("Hex text of bytes")
struct HexTests {
    @Test("every byte is its two lower-case digits, as %02x writes it", arguments: [
        [UInt8](), [0], [0x0f, 0xf0], [0xde, 0xad, 0xbe, 0xef], Array(0...255),
    ])
    func digits(_ bytes: [UInt8]) {
        #expect(Hex.lowercase(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
    }

    @Test("a device key's digest is SHA-256 in hex")
    func deviceKeyDigest() {
        #expect(DeviceKey.digest(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
