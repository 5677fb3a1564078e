/// One consumer of the fleet, from its retained status (`hollow/NS/consumers/ID`).
public struct FleetConsumer: Sendable, Hashable {
    public var id: String
    /// The version the consumer holds, if it reported one.
    public var version: Int64?
    public var pinned: Bool
    /// The pin group the consumer follows, if any.
    public var group: String?
    /// Seconds since the consumer last reported, when known.
    public var ageSeconds: Double?
    /// Other reported fields, as text.
    public var details: [String: String]

    public init(
        id: String, version: Int64?, pinned: Bool = false, group: String? = nil, ageSeconds: Double? = nil,
        details: [String: String] = [:]
    ) {
        self.id = id
        self.version = version
        self.pinned = pinned
        self.group = group
        self.ageSeconds = ageSeconds
        self.details = details
    }
}

/// A pin in force: the namespace-wide pin (`group` nil) or a group's pin.
public struct PinStatus: Sendable, Hashable {
    public var group: String?
    public var version: Int64
    /// The reason given when pinning, if known.
    public var reason: String?
    public init(group: String?, version: Int64, reason: String? = nil) {
        self.group = group
        self.version = version
        self.reason = reason
    }
}

/// What the broker says about a namespace: the announced version, the pins, the fleet.
public struct OperationsSnapshot: Sendable, Hashable {
    public var namespace: String
    public var announced: Int64?
    public var pins: [PinStatus]
    public var fleet: [FleetConsumer]
    public init(namespace: String, announced: Int64?, pins: [PinStatus], fleet: [FleetConsumer]) {
        self.namespace = namespace
        self.announced = announced
        self.pins = pins
        self.fleet = fleet
    }
}

/// The operations side of the explorer (MQTT in the `hollow` executable): read the current operations state,
/// and pin or unpin. The explorer only calls `pin`/`unpin` for requests carrying operator credentials.
public protocol ExplorerOperations: Sendable {
    /// The latest known announced version, pins and fleet.
    func snapshot() async throws -> OperationsSnapshot
    /// Pins `group` (nil: the whole namespace) to `version`.
    func pin(version: Int64, group: String?, reason: String) async throws
    /// Removes the pin of `group` (nil: the namespace-wide pin).
    func unpin(group: String?, reason: String) async throws
}
