/// A failure to protect or read a case's personal data: a master key that is missing,
/// malformed or wrong. Messages name files and cases, never personal values.
public struct PrivacyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure, to match on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case missingMasterKey, invalidMasterKey, wrongMasterKey, sealingFailed
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        /// No master key is configured where one is needed (or its file does not exist).
        public static let missingMasterKey = Code(.missingMasterKey)
        /// The configured master key is not 32 bytes of base64.
        public static let invalidMasterKey = Code(.invalidMasterKey)
        /// The master key is not the one this database's case keys were wrapped with.
        public static let wrongMasterKey = Code(.wrongMasterKey)
        /// Encryption itself failed (not expected with 256-bit keys and random nonces).
        public static let sealingFailed = Code(.sealingFailed)
        public var description: String { value.rawValue }
    }

    public var code: Code
    /// A full sentence saying what is wrong and where.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
