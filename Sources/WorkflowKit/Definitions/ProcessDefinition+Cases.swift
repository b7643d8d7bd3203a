extension ProcessDefinition {
    /// Where a new case starts: the fast-track state when the fast-track
    /// condition holds for `context` (with `openedOn` set), else the initial state.
    ///
    /// - Returns: The state and whether the case is on the fast track; nil only
    ///   for a definition without an initial state (never one that validated).
    public func startState(in context: EvaluationContext) -> (state: StateDefinition, fastTracked: Bool)? {
        if let fastTrack, fastTrack.when.evaluate(in: context).isTrue, let fast = state(fastTrack.state) {
            return (fast, true)
        }
        return initialState.map { ($0, false) }
    }

    /// The transition `event` takes from `state`: the first one for that event
    /// whose guard holds in `context` (a guard over an absent value does not hold).
    ///
    /// - Returns: nil when the event does not move the case from this state.
    public func transition(from state: StateDefinition, on event: String, in context: EvaluationContext) -> Transition? {
        state.transitions.first { $0.event == event && ($0.guardExpression?.evaluate(in: context).isTrue ?? true) }
    }
}
