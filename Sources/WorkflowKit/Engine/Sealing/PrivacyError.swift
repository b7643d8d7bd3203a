/// A failure to protect or read a case's personal data: a master key that is missing,
/// malformed or wrong. Messages name files and cases, never personal values.
public struct PrivacyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure, to match on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case missingMasterKey, invalidMasterKey, wrongMasterKey, sealingFailed, missingCaseKey
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
        /// A case holds sealed values but its key is gone without a recorded erasure:
        /// the key was deleted outside the engine.
        public static let missingCaseKey = Code(.missingCaseKey)
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

extension PrivacyError {
    /// The integrity error for a case whose sealed values lost their key without an erasure.
    static func missingCaseKey(_ id: StreamID) -> PrivacyError {
        PrivacyError(
            .missingCaseKey,
            "Case \(Identifier.escaped(id.rawValue)) holds encrypted personal values, but its key is gone and no erasure was recorded: the key was deleted outside the engine. Restore the database from a backup; 'aso-engine verify --keys' lists every such case.")
    }
}
