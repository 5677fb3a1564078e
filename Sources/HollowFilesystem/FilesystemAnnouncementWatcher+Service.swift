public import ServiceLifecycle

/// The polling watcher is a swift-service-lifecycle `Service`: ``FilesystemAnnouncementWatcher/run()`` polls until
/// graceful shutdown.
extension FilesystemAnnouncementWatcher: Service {}
