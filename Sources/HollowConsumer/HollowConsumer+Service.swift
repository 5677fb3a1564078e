public import ServiceLifecycle

/// The consumer is a swift-service-lifecycle `Service`: ``HollowConsumer/run()`` performs refreshes until graceful
/// shutdown. List its announcement watcher before it in the `ServiceGroup`.
extension HollowConsumer: Service {}
