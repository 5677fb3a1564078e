/// The `# HELP` text of every metric Hollow's libraries emit (docs/metrics.md has the same list), and the names
/// given to metrics of other libraries so that they follow Prometheus' conventions (`_total`, base units).
public enum MetricDescriptions {
    /// Help text by metric name.
    public static let help: [String: String] = [
        // HollowConsumer
        "hollow_consumer_version": "The version the consumer holds.",
        "hollow_consumer_pinned": "1 when the held version was chosen by a pin, else 0.",
        "hollow_consumer_refresh_duration_seconds": "Duration of successful refreshes (plan, retrieve, apply, swap).",
        "hollow_consumer_refresh_successes_total": "Successful refreshes.",
        "hollow_consumer_refresh_failures_total": "Failed refreshes (the held state stayed in place).",
        "hollow_consumer_last_success_timestamp_seconds": "Unix time of the last successful refresh.",
        "hollow_consumer_seconds_since_last_success": "Seconds since the last successful refresh, at scrape time.",
        "hollow_consumer_snapshot_loads_total": "Snapshots loaded (initial loads and double snapshots).",
        "hollow_consumer_deltas_applied_total": "Deltas and reverse deltas applied.",
        // HollowProducer
        "hollow_producer_version": "The last version the producer published.",
        "hollow_producer_cycle_duration_seconds": "Duration of producer cycles, whatever their outcome.",
        "hollow_producer_cycle_phase_duration_seconds":
            "Duration of each phase of a cycle (populate, write, validate, publish, announce).",
        "hollow_producer_cycles_total": "Producer cycles by outcome (published, unchanged, failed).",
        "hollow_producer_blob_bytes_total": "Bytes of blobs published, by kind (uncompressed).",
        "hollow_producer_records": "Records per type in the last published state.",
        // HollowMQTT
        "hollow_watcher_messages_total": "MQTT messages the watcher received, by topic kind.",
        "hollow_watcher_bad_payloads_total": "Messages whose payload was not a version (the last valid value kept).",
        "hollow_watcher_reconnects_total": "Connections to the broker re-established after the first.",
        // KeaEdge
        "kea_edge_intervals_total": "Intervals measured.",
        "kea_edge_interval_aggregate":
            "Each aggregate of the last interval: the increase of a counter, or the level of a gauge.",
        "kea_edge_metric_observations_total": "Values counted by each histogram, all intervals summed.",
        "kea_edge_metric_bucket_observations_total":
            "Values counted in each log2 bucket (label upper: its inclusive upper bound), all intervals summed.",
        "kea_edge_bpf_errors_total": "Failures to load or attach a packet probe (tc or uprobe).",
        "kea_edge_publish_duration_seconds": "Duration of handing one window to the sinks (store, JSON lines).",
        "kea_edge_publish_failures_total": "Windows that could not be published.",
        "kea_edge_last_publish_timestamp_seconds": "Unix time of the last window published successfully.",
        "kea_edge_kea_up": "1 when Kea's statistics could be read in the last interval, else 0.",
        "kea_edge_bpf_attached": "1 while the packet probe (label probe: tc or uprobe) is attached, else 0.",
        "kea_edge_packets_total": "DHCP messages the probe saw, by direction (in: to the server, out: from it) and message type.",
        "kea_edge_probe_events_total":
            "Probe events: malformed packets, unmatched replies, retransmissions, pending map full, unanswered requests.",
        "kea_edge_pending_requests": "Requests waiting for a reply at the end of the last interval.",
        "kea_edge_bpf_run_seconds_total": "BPF run time of the probe's programs (only while kernel.bpf_stats_enabled=1).",
        "kea_edge_bpf_runs_total": "Runs of the probe's programs (only while kernel.bpf_stats_enabled=1).",
        // Hummingbird's MetricsMiddleware (explorer), renamed below
        "http_server_requests_total": "HTTP requests served.",
        "http_server_request_duration_seconds": "Duration of HTTP requests.",
        "http_server_request_errors_total": "HTTP requests that failed.",
        "http_server_active_requests": "HTTP requests in progress.",
    ]

    /// swift-metrics labels of other libraries and the Prometheus names they are exported under.
    public static let renamed: [String: String] = [
        "hb.requests": "http_server_requests_total",
        "http.server.request.duration": "http_server_request_duration_seconds",
        "hb.request.errors": "http_server_request_errors_total",
        "http.server.active_requests": "http_server_active_requests",
    ]
}
