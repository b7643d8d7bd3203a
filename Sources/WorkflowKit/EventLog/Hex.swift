/// Lowercase hexadecimal text of bytes, two digits per byte: what `String(format: "%02x")`
/// per byte gives, without formatting each byte through Foundation.
extension Sequence where Element == UInt8 {
    package var lowercaseHex: String {
        let digits: StaticString = "0123456789abcdef"
        var bytes: [UInt8] = []
        bytes.reserveCapacity(underestimatedCount * 2)
        digits.withUTF8Buffer { digits in
            for byte in self {
                bytes.append(digits[Int(byte >> 4)])
                bytes.append(digits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
