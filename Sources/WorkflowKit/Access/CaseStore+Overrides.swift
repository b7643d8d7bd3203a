import Foundation

/// Lawful overrides, kept as events in the log's `$overrides` stream.
extension CaseStore {
    /// Every override granted, oldest first.
    public func overrides() async throws -> AccessOverrides {
        var overrides = AccessOverrides()
        for try await record in eventLog.read(stream: AccessOverrides.stream) where record.type == AccessOverrideGranted.typeName {
            overrides.append(try record.decode(AccessOverrideGranted.self).override(id: record.position))
        }
        return overrides
    }

    /// The access rules as the directory and the overrides state them now, applied at
    /// `now` (milliseconds since 1970): what a surface that serves people checks.
    public func accessPolicy(now: Int64) async throws -> AccessPolicy {
        AccessPolicy(directory: try await principals(), overrides: try await overrides(), now: now)
    }

    /// Records `grant` (made by ``AccessPolicy/override(_:state:reason:basis:hours:by:)``,
    /// which checks it) in the `$overrides` stream.
    ///
    /// - Returns: The override, its id the position of the grant.
    @discardableResult
    public func grantOverride(_ grant: AccessOverrideGranted, by actor: Acting) async throws -> AccessOverride {
        let result = try await eventLog.append(
            [try NewEvent(type: AccessOverrideGranted.typeName, encoding: grant)], to: AccessOverrides.stream, expected: .any,
            metadata: EventMetadata(actor: actor.id, organisation: actor.organisation, role: actor.role))
        return grant.override(id: result.firstPosition)
    }

    /// Records that `actor` reviewed the overrides and refused attempts since `since`
    /// (milliseconds since 1970; nil for the whole log), in the `$security` stream.
    @discardableResult
    public func recordReview(since: Int64?, by actor: Acting) async throws -> AppendResult {
        try await eventLog.append(
            [try NewEvent(type: AccessReviewed.typeName, encoding: AccessReviewed(since: since))], to: AccessRefused.stream,
            expected: .any, metadata: EventMetadata(actor: actor.id, organisation: actor.organisation, role: actor.role))
    }

    /// What a reviewer looks at: the overrides in force at any time since `since`, each
    /// with the reads made under it; the refused attempts since then; and the reviews
    /// made so far. Nothing here is a personal value.
    ///
    /// - Parameter since: Milliseconds since 1970; nil for the whole log.
    public func accessReview(since: Int64?) async throws -> AccessReview {
        let start = since ?? .min
        var review = AccessReview(since: since)
        let overrides = try await overrides().all.filter { $0.until > start }
        var reads: [Int64: [AccessLog.Read]] = [:]
        for caseID in Set(overrides.map(\.caseID)) {
            for read in try await accessLog(case: caseID).reads {
                if let id = read.override?.id { reads[id, default: []].append(read) }
            }
        }
        review.overrides = overrides.map { AccessReview.Override(override: $0, reads: reads[$0.id] ?? []) }
        for try await record in eventLog.read(stream: AccessRefused.stream) where record.recordedAt >= start {
            switch record.type {
            case AccessRefused.typeName:
                let refusal = try record.decode(AccessRefused.self)
                review.refusals.append(AccessReview.Refusal(refusal: refusal, actor: record.metadata.actor, at: record.recordedAt))
            case AccessReviewed.typeName:
                let reviewed = try record.decode(AccessReviewed.self)
                review.reviews.append(AccessReview.Review(actor: record.metadata.actor, at: record.recordedAt, since: reviewed.since))
            default:
                continue
            }
        }
        return review
    }
}
