public import ServiceLifecycle

/// The client as a swift-service-lifecycle `Service`: starts, stays connected (it reconnects and fails over by itself)
/// until graceful shutdown, then disconnects cleanly so the broker does not publish the last will.
///
/// In a `ServiceGroup`, list the client before the services that use it (watchers, status reporter): the group
/// shuts services down in reverse order, so they finish while the connection is still up.
extension MQTTClient: Service {
    public func run() async throws {
        try start()
        try? await gracefulShutdown()
        await shutdown()
    }
}

/// The watcher as a `Service`: ``MQTTAnnouncementWatcher/run()`` subscribes until graceful shutdown.
extension MQTTAnnouncementWatcher: Service {}

/// The status reporter as a `Service`: it publishes on every refresh it observes, and at graceful shutdown the
/// final status (offline, with the last version) before the client disconnects.
extension MQTTConsumerStatusReporter: Service {
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}
