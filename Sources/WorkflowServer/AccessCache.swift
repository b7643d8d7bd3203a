import WorkflowKit

/// The tokens, the directory of principals and the lawful overrides as of the log's
/// latest events, read again only when one of their streams grew: a request checks
/// three stream versions in one read instead of reading the three streams. A token
/// revoked or a principal removed by any process (the command line included) is seen
/// by the next request.
actor AccessCache {
    let database: any ReminderQueue
    private var versions: [StreamID: Int64] = [:]
    private var tokens = APITokenRegistry()
    private var directory = PrincipalDirectory()
    private var overrides: AccessOverrides?

    init(database: any ReminderQueue) {
        self.database = database
    }

    func current() async throws -> (tokens: APITokenRegistry, directory: PrincipalDirectory, overrides: AccessOverrides) {
        let streams = [APITokenRegistry.stream, PrincipalDirectory.stream, AccessOverrides.stream]
        let latest = try await database.versions(of: streams)
        if latest[APITokenRegistry.stream] != versions[APITokenRegistry.stream] { tokens = try await database.apiTokens() }
        if latest[PrincipalDirectory.stream] != versions[PrincipalDirectory.stream] { directory = try await database.principals() }
        if overrides == nil || latest[AccessOverrides.stream] != versions[AccessOverrides.stream] {
            overrides = try await database.overrides()
        }
        versions = latest
        return (tokens, directory, overrides!)
    }
}
