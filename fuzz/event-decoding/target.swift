// libFuzzer target: reading stored events back (CaseEvent decoding, with an upcaster
// for schema version 0). Compiled with the event, expression and calendar sources as
// one module by scripts/fuzz; not part of the Swift package.
//
// The first byte of an input picks the event type, the second its schema version;
// the rest is the stored payload. Invariants, each a precondition:
// - decoding succeeds, or fails with EventStoreError .undecodable naming the event's
//   position, stream and version (never another error, never a crash);
// - a decoded event encodes to a payload that decodes and encodes to the same bytes;
// - the upcaster's failures are EventStoreError .upcast;
// - the direct reader and writer agree with Foundation's: a payload read without
//   JSONDecoder reads as JSONDecoder reads it, and an event written without JSONEncoder
//   is written as JSONEncoder writes it.
import Foundation

private let types = [
    "CaseOpened", "FieldsRecorded", "StateEntered", "TaskOpened", "TaskRescheduled", "TaskCompleted", "TaskCancelled",
    "TaskSuspended", "TaskResumed", "EventOccurred", "ConsentGiven", "ConsentWithdrawn", "InformationDisclosed",
    "ResponsibilityHandedOver", "CaseClosed", "CaseMigrated", "CaseErased", "TaskClaimed", "TaskUnclaimed", "SomethingElse",
]

private let upcasters: Upcasters = {
    var upcasters = Upcasters()
    for type in types {
        // Version 0 payloads are re-serialised JSON: a stand-in for a real migration.
        upcasters.register(type: type, from: 0) { data in
            let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return try JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed, .sortedKeys])
        }
    }
    return upcasters
}()

private func check(_ record: RecordedEvent) {
    if let fast = CaseEvent.fastDecoded(type: record.type, payload: record.payload) {
        let slow = try? CaseEvent.foundationDecoded(type: record.type, payload: record.payload)
        precondition(slow == fast, "the direct reader disagrees with JSONDecoder for \(record.type)")
    }
    do {
        guard let event = try CaseEvent(record) else {
            precondition(!types.dropLast().contains(record.type), "a case event type was not decoded")
            return
        }
        if let direct = event.fastPayload() {
            let foundation = try event.foundationPayload()
            precondition(direct == foundation, "the direct writer disagrees with JSONEncoder for \(record.type)")
        }
        let first = try event.newEvent()
        var again = record
        again.payload = first.payload
        guard let decoded = try CaseEvent(again) else { preconditionFailure("a re-encoded event has no type") }
        let second = try decoded.newEvent()
        precondition(first.payload == second.payload, "encoding is not stable for \(record.type)")
    } catch let error as EventStoreError {
        precondition(error.code == .undecodable, "unexpected error code \(error.code)")
        precondition(
            error.message.contains("at position 7 (stream 'c-1', version 3, type '\(record.type)'"),
            "the error does not name the event: \(error.message)")
    } catch {
        preconditionFailure("decoding threw \(Swift.type(of: error)), not EventStoreError")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventDecoding(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let type = types[Int(bytes[0]) % types.count]
    let record = RecordedEvent(
        position: 7, stream: "c-1", version: 3, id: UUID(), type: type, schemaVersion: Int(bytes[1] % 2),
        payload: Data(bytes[2...]), metadata: EventMetadata(), recordedAt: 0, hash: Data())
    if record.schemaVersion == 0 {
        do {
            check(try upcasters.upcast(record))
        } catch let error as EventStoreError {
            precondition(error.code == .upcast, "unexpected upcast error code \(error.code)")
        } catch {
            preconditionFailure("upcasting threw \(Swift.type(of: error)), not EventStoreError")
        }
    } else {
        check(record)
    }
    return 0
}
