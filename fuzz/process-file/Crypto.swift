// Stands in for swift-crypto's `Crypto` module in the fuzz build of the process-file
// loader (scripts/fuzz), whose examples compute a definition's content hash. Building
// swift-crypto (BoringSSL) with coverage instrumentation would cost more than the fuzz
// budget. NOT a cryptographic hash: FNV-1a, spread over 32 bytes, stable for equal data,
// which is all the loader and the examples need of it. Not part of the Swift package.
import Foundation

public enum SHA256 {
    public static func hash(data: Data) -> [UInt8] {
        var digest: [UInt8] = []
        for lane in 0..<4 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325 &+ UInt64(lane)
            for byte in data {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            for shift in stride(from: 56, through: 0, by: -8) { digest.append(UInt8(truncatingIfNeeded: hash >> UInt64(shift))) }
        }
        return digest
    }
}
