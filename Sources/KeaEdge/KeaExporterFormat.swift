public import HollowCore

/// A subnet of Kea's configuration, for the `subnet` and `pool` labels: its id, prefix and pools (by index).
public struct KeaSubnet: Sendable, Hashable {
    /// `id` in the configuration (`subnet[ID].…` in the statistics).
    public var id: Int64
    /// `subnet`, e.g. `198.18.0.0/16` or `2001:db8::/64`.
    public var prefix: String
    /// `pools[i].pool` in order (`pool[i].…` in the statistics), e.g. `198.18.1.0 - 198.18.254.254`.
    public var pools: [String]

    /// Creates a subnet.
    public init(id: Int64, prefix: String, pools: [String]) {
        (self.id, self.prefix, self.pools) = (id, prefix, pools)
    }

    /// The subnets of a `config-get` answer's arguments (`{"Dhcp4": {...}}` or `{"Dhcp6": {...}}`): top-level
    /// `subnet4`/`subnet6` and those inside `shared-networks`.
    public static func all(inConfig arguments: JSONValue) -> [Int64: KeaSubnet] {
        var out: [Int64: KeaSubnet] = [:]
        for (server, key) in [("Dhcp4", "subnet4"), ("Dhcp6", "subnet6")] {
            guard let config = arguments[server] else { continue }
            var lists = [config[key]]
            for network in config["shared-networks"]?.array ?? [] { lists.append(network[key]) }
            for subnet in lists.compactMap({ $0?.array }).joined() {
                guard let id = subnet["id"]?.int64, let prefix = subnet["subnet"]?.string else { continue }
                let pools = (subnet["pools"]?.array ?? []).compactMap { $0["pool"]?.string }
                out[id] = KeaSubnet(id: id, prefix: prefix, pools: pools)
            }
        }
        return out
    }
}

/// Kea's statistics under the Prometheus names and labels of kea-exporter (the Python exporter Kea users graph:
/// `kea_dhcp4_packets_received_total{operation="discover"}`,
/// `kea_dhcp4_addresses_assigned_total{subnet="…",subnet_id="1",pool=""}`, …), so existing dashboards keep
/// working. docs/metrics.md lists the mapping.
///
/// Values are Kea's newest samples as read by the collector (cumulative since Kea started, like kea-exporter's).
/// Families of Kea counters are typed `counter`; the levels kea-exporter names `…_total` (addresses assigned,
/// declined, pool sizes) are typed `untyped`, because Prometheus' conventions reserve `_total` for counters
/// (`promtool check metrics` rejects a gauge named so) and renaming them would break the dashboards.
public enum KeaExporterFormat {
    /// DHCPv4 or DHCPv6: the statistics' server and the metric prefix (`kea_dhcp4`, `kea_dhcp6`).
    public enum Family: String, Sendable, Hashable, CaseIterable {
        case dhcp4, dhcp6
    }

    struct Target {
        var metric: String
        var labels: [(String, String)] = []
    }

    struct MetricInfo {
        var help: String
        var kind: PrometheusFamily.Kind
        var labels: [String]
    }

    static let subnetPoolLabels = ["subnet", "subnet_id", "pool"]
    static let subnetLabels = ["subnet", "subnet_id"]

    static func metrics(_ family: Family) -> [String: MetricInfo] {
        var m: [String: MetricInfo] = [
            "packets_sent_total": MetricInfo(help: "Packets sent", kind: .counter, labels: ["operation"]),
            "packets_received_total": MetricInfo(help: "Packets received", kind: .counter, labels: ["operation"]),
            "allocations_failed_total": MetricInfo(help: "Allocation fail count", kind: .counter, labels: ["subnet", "subnet_id", "context"]),
            "addresses_declined_total": MetricInfo(help: "Declined addresses", kind: .untyped, labels: subnetPoolLabels),
            "addresses_declined_reclaimed_total": MetricInfo(help: "Declined addresses that were reclaimed", kind: .counter, labels: subnetPoolLabels),
            "addresses_reclaimed_total": MetricInfo(help: "Expired addresses that were reclaimed", kind: .counter, labels: subnetPoolLabels),
            "reservation_conflicts_total": MetricInfo(help: "Reservation conflict count", kind: .counter, labels: subnetLabels),
        ]
        switch family {
        case .dhcp4:
            m["addresses_assigned_total"] = MetricInfo(help: "Assigned addresses", kind: .untyped, labels: subnetPoolLabels)
            m["addresses_total"] = MetricInfo(help: "Size of subnet address pool", kind: .untyped, labels: subnetPoolLabels)
            m["leases_reused_total"] = MetricInfo(help: "Number of times an IPv4 lease has been renewed in memory", kind: .counter, labels: subnetLabels)
        case .dhcp6:
            m["packets_sent_dhcp4_total"] = MetricInfo(help: "DHCPv4-over-DHCPv6 Packets sent", kind: .counter, labels: ["operation"])
            m["packets_received_dhcp4_total"] = MetricInfo(help: "DHCPv4-over-DHCPv6 Packets received", kind: .counter, labels: ["operation"])
            m["na_assigned_total"] = MetricInfo(help: "Assigned non-temporary addresses (IA_NA)", kind: .untyped, labels: subnetPoolLabels)
            m["na_total"] = MetricInfo(help: "Size of non-temporary address pool", kind: .untyped, labels: subnetPoolLabels)
            m["na_reuses_total"] = MetricInfo(help: "Number of IA_NA lease reuses", kind: .counter, labels: subnetPoolLabels)
            m["pd_assigned_total"] = MetricInfo(help: "Assigned prefix delegations (IA_PD)", kind: .untyped, labels: subnetLabels)
            m["pd_total"] = MetricInfo(help: "Size of prefix delegation pool", kind: .untyped, labels: subnetLabels)
            m["pd_reuses_total"] = MetricInfo(help: "Number of IA_PD lease reuses", kind: .counter, labels: subnetPoolLabels)
        }
        return m
    }

    /// Kea statistic name (global, or the last part of `subnet[N].…` / `subnet[N].pool[M].…`) → metric and
    /// static labels.
    static func map(_ family: Family) -> [String: Target] {
        func op(_ metric: String, _ operation: String) -> Target { Target(metric: metric, labels: [("operation", operation)]) }
        func ctx(_ context: String) -> Target { Target(metric: "allocations_failed_total", labels: [("context", context)]) }
        switch family {
        case .dhcp4:
            var m: [String: Target] = [
                "pkt4-ack-sent": op("packets_sent_total", "ack"), "pkt4-nak-sent": op("packets_sent_total", "nak"),
                "pkt4-offer-sent": op("packets_sent_total", "offer"),
                "pkt4-parse-failed": op("packets_received_total", "parse-failed"),
                "pkt4-receive-drop": op("packets_received_total", "drop"),
                "v4-allocation-fail-subnet": ctx("subnet"), "v4-allocation-fail-shared-network": ctx("shared-network"),
                "v4-allocation-fail-no-pools": ctx("no-pools"), "v4-allocation-fail-classes": ctx("classes"),
                "v4-lease-reuses": Target(metric: "leases_reused_total"),
                "assigned-addresses": Target(metric: "addresses_assigned_total"),
                "declined-addresses": Target(metric: "addresses_declined_total"),
                "reclaimed-declined-addresses": Target(metric: "addresses_declined_reclaimed_total"),
                "reclaimed-leases": Target(metric: "addresses_reclaimed_total"),
                "total-addresses": Target(metric: "addresses_total"),
                "v4-reservation-conflicts": Target(metric: "reservation_conflicts_total"),
            ]
            for t in ["discover", "offer", "request", "ack", "nak", "release", "decline", "inform", "unknown"] {
                m["pkt4-\(t)-received"] = op("packets_received_total", t)
            }
            return m
        case .dhcp6:
            var m: [String: Target] = [
                "pkt6-advertise-sent": op("packets_sent_total", "advertise"), "pkt6-reply-sent": op("packets_sent_total", "reply"),
                "pkt6-receive-drop": op("packets_received_total", "drop"),
                "pkt6-parse-failed": op("packets_received_total", "parse-failed"),
                "pkt6-dhcpv4-response-sent": op("packets_sent_dhcp4_total", "response"),
                "pkt6-dhcpv4-query-received": op("packets_received_dhcp4_total", "query"),
                "pkt6-dhcpv4-response-received": op("packets_received_dhcp4_total", "response"),
                "v6-allocation-fail-shared-network": ctx("shared-network"), "v6-allocation-fail-subnet": ctx("subnet"),
                "v6-allocation-fail-no-pools": ctx("no-pools"), "v6-allocation-fail-classes": ctx("classes"),
                "assigned-nas": Target(metric: "na_assigned_total"), "assigned-pds": Target(metric: "pd_assigned_total"),
                "declined-addresses": Target(metric: "addresses_declined_total"),
                "declined-reclaimed-addresses": Target(metric: "addresses_declined_reclaimed_total"),
                "reclaimed-declined-addresses": Target(metric: "addresses_declined_reclaimed_total"),
                "reclaimed-leases": Target(metric: "addresses_reclaimed_total"),
                "total-nas": Target(metric: "na_total"), "total-pds": Target(metric: "pd_total"),
                "v6-reservation-conflicts": Target(metric: "reservation_conflicts_total"),
                "v6-ia-na-lease-reuses": Target(metric: "na_reuses_total"),
                "v6-ia-pd-lease-reuses": Target(metric: "pd_reuses_total"),
            ]
            for t in ["solicit", "advertise", "request", "reply", "renew", "rebind", "release", "decline", "infrequest", "unknown"] {
                m["pkt6-\(t)-received"] = op("packets_received_total", t)
            }
            return m
        }
    }

    /// Global statistics left out: sums of other statistics, or present per subnet in more detail.
    static func globalIgnored(_ family: Family) -> Set<String> {
        switch family {
        case .dhcp4:
            return [
                "cumulative-assigned-addresses", "declined-addresses", "reclaimed-declined-addresses", "reclaimed-leases",
                "v4-reservation-conflicts", "v4-allocation-fail", "v4-allocation-fail-subnet", "v4-allocation-fail-shared-network",
                "v4-allocation-fail-no-pools", "v4-allocation-fail-classes", "pkt4-sent", "pkt4-received", "v4-lease-reuses",
            ]
        case .dhcp6:
            return [
                "cumulative-assigned-addresses", "declined-addresses", "cumulative-assigned-nas", "cumulative-assigned-pds",
                "reclaimed-declined-addresses", "reclaimed-leases", "v6-reservation-conflicts", "v6-allocation-fail",
                "v6-allocation-fail-subnet", "v6-allocation-fail-shared-network", "v6-allocation-fail-no-pools",
                "v6-allocation-fail-classes", "v6-ia-na-lease-reuses", "v6-ia-pd-lease-reuses", "pkt6-sent", "pkt6-received",
            ]
        }
    }

    /// Per-subnet statistics left out (sums).
    static let subnetIgnored: Set<String> = [
        "cumulative-assigned-addresses", "cumulative-assigned-nas", "cumulative-assigned-pds", "v4-allocation-fail", "v6-allocation-fail",
    ]

    /// The subnet id of a `subnet[N].…` statistic, nil for a global one.
    public static func subnetID(ofStatistic name: String) -> Int64? { parseSubnetKey(name)?.subnet }

    /// Splits `subnet[1].total-addresses` into (1, nil, "total-addresses") and `subnet[1].pool[0].x` into (1, 0, "x").
    static func parseSubnetKey(_ key: String) -> (subnet: Int64, pool: Int?, name: String)? {
        guard key.hasPrefix("subnet["), let close = key.firstIndex(of: "]"),
            let id = Int64(key[key.index(key.startIndex, offsetBy: 7)..<close])
        else { return nil }
        var rest = key[key.index(after: close)...]
        guard rest.first == "." else { return nil }
        rest = rest.dropFirst()
        if rest.hasPrefix("pool["), let poolClose = rest.firstIndex(of: "]"),
            let pool = Int(rest[rest.index(rest.startIndex, offsetBy: 5)..<poolClose])
        {
            let name = rest[rest.index(after: poolClose)...]
            guard name.first == ".", name.count > 1 else { return nil }
            return (id, pool, String(name.dropFirst()))
        }
        return rest.isEmpty ? nil : (id, nil, String(rest))
    }

    /// The families for `statistics` of a `family` server, with subnet and pool labels from `subnets`
    /// (statistics of subnets or pools missing from `subnets` are left out, as kea-exporter does; so are
    /// statistics it does not map).
    public static func families(statistics: KeaStatistics, subnets: [Int64: KeaSubnet], family: Family) -> [PrometheusFamily] {
        let infos = metrics(family)
        let targets = map(family)
        let ignored = globalIgnored(family)
        var samples: [String: [PrometheusFamily.Sample]] = [:]
        for (key, value) in statistics.values {
            var labels: [String: String] = [:]
            let target: Target?
            if let (id, pool, name) = parseSubnetKey(key) {
                guard !subnetIgnored.contains(name), let subnet = subnets[id] else { continue }
                labels["subnet"] = subnet.prefix
                labels["subnet_id"] = String(id)
                if let pool {
                    guard pool < subnet.pools.count else { continue }
                    labels["pool"] = subnet.pools[pool]
                } else {
                    labels["pool"] = ""
                }
                target = targets[name]
            } else {
                guard !ignored.contains(key) else { continue }
                target = targets[key]
            }
            guard let target, let info = infos[target.metric] else { continue }
            for (k, v) in target.labels { labels[k] = v }
            // Only the metric's own labels, all of them present (a global statistic of a per-subnet metric is skipped).
            guard info.labels.allSatisfy({ labels[$0] != nil }) else { continue }
            samples[target.metric, default: []].append(
                PrometheusFamily.Sample(labels: info.labels.map { ($0, labels[$0] ?? "") }, value: String(value)))
        }
        let prefix = "kea_\(family.rawValue)_"
        return samples.keys.sorted().map { metric in
            let info = infos[metric]!
            let sorted = samples[metric]!.sorted { a, b in
                a.labels.map { $0.1 }.lexicographicallyPrecedes(b.labels.map { $0.1 })
            }
            return PrometheusFamily(name: prefix + metric, help: info.help, kind: info.kind, samples: sorted)
        }
    }
}
