import Foundation

/// Fast conversions between a UUID and its canonical text (upper-case, 8-4-4-4-12),
/// which the log stores and hashes. Foundation formats and parses through printf and
/// scanf on Linux, which shows up in every append and every replay.
extension UUID {
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// The canonical text, identical to `uuidString`.
    package var canonicalText: String {
        let bytes = withUnsafeBytes(of: uuid) { Array($0) }
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var out = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    buffer[out] = UInt8(ascii: "-")
                    out += 1
                }
                buffer[out] = Self.hexDigits[Int(byte >> 4)]
                buffer[out + 1] = Self.hexDigits[Int(byte & 0x0F)]
                out += 2
            }
            return 36
        }
    }

    /// Parses canonical text (either case); nil when malformed.
    package init?(canonicalText bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 36, let base = bytes.baseAddress, base[8] == UInt8(ascii: "-"), base[13] == UInt8(ascii: "-"),
            base[18] == UInt8(ascii: "-"), base[23] == UInt8(ascii: "-")
        else { return nil }
        // Every read event's id passes here: the 32 digits are gathered into two 64-bit
        // halves through a table, without a branch per digit (digits and letters come in
        // random order); a byte that is not a digit sets a high bit of `invalid`.
        var halves: (UInt64, UInt64) = (0, 0)
        var invalid: UInt8 = 0
        Self.hexValues.withUnsafeBufferPointer { table in
            @inline(__always) func gather(_ range: Range<Int>, into half: inout UInt64) {
                for index in range {
                    let value = table[Int(base[index])]
                    invalid |= value
                    half = half << 4 | UInt64(value & 0x0F)
                }
            }
            gather(0..<8, into: &halves.0)
            gather(9..<13, into: &halves.0)
            gather(14..<18, into: &halves.0)
            gather(19..<23, into: &halves.1)
            gather(24..<36, into: &halves.1)
        }
        guard invalid & 0xF0 == 0 else { return nil }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &value) { out in
            out.storeBytes(of: halves.0.bigEndian, toByteOffset: 0, as: UInt64.self)
            out.storeBytes(of: halves.1.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        self.init(uuid: value)
    }

    /// The value of each byte as a hexadecimal digit (either case); 0xFF for any other byte.
    private static let hexValues: [UInt8] = (0...255).map { byte -> UInt8 in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(byte) - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt8(byte) - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(byte) - UInt8(ascii: "a") + 10
        default: 0xFF
        }
    }
}
