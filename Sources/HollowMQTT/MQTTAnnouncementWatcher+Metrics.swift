import Metrics
import Synchronization

/// The watcher's swift-metrics instruments; names and meanings are listed in docs/metrics.md.
final class WatcherInstruments: Sendable {
    let namespace: String
    let reconnects: Counter
    let connects = Atomic<Int>(0)

    init(namespace: String) {
        self.namespace = namespace
        reconnects = Counter(label: "hollow_watcher_reconnects_total", dimensions: [("namespace", namespace)])
        reconnects.increment(by: 0)
        for kind in ["announced", "pin", "group_pin"] {
            messages(kind).increment(by: 0)
            badPayloads(kind).increment(by: 0)
        }
    }

    private func messages(_ kind: String) -> Counter {
        Counter(label: "hollow_watcher_messages_total", dimensions: [("namespace", namespace), ("topic_kind", kind)])
    }

    private func badPayloads(_ kind: String) -> Counter {
        Counter(label: "hollow_watcher_bad_payloads_total", dimensions: [("namespace", namespace), ("topic_kind", kind)])
    }

    /// A message on the announcement, namespace pin or group pin topic.
    func recordMessage(topicKind: String) { messages(topicKind).increment() }

    /// A payload that is not a version (kept the last valid value).
    func recordBadPayload(topicKind: String) { badPayloads(topicKind).increment() }

    /// A connection (re)established; every one after the first is a reconnect.
    func recordConnect() {
        if connects.add(1, ordering: .relaxed).newValue > 1 { reconnects.increment() }
    }
}
