#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs blocking system calls (fsync, blocking socket I/O) on a thread of their own, so they never hold one of
/// the few threads of Swift's cooperative pool.
///
/// Each call starts a short-lived detached POSIX thread, runs `body` there and resumes the caller with the result.
/// A thread costs tens of microseconds to start, far below the fsync or socket round trip it carries; use it for
/// calls that block, never for CPU work.
public enum BlockingIO {
    /// Runs `body` on a dedicated thread and returns its result.
    /// - Throws: what `body` throws.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            let job = Job {
                continuation.resume(returning: Result { try body() })
            }
            start(job)
        }
        return try result.get()
    }

    /// A closure handed to a new thread.
    private final class Job: Sendable {
        let work: @Sendable () -> Void
        init(_ work: @escaping @Sendable () -> Void) { self.work = work }
    }

    private static func start(_ job: Job) {
        let context = Unmanaged.passRetained(job).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            job.work()
            return nil
        }, context)
        if rc == 0 {
            pthread_detach(thread)
        } else {
            // No thread available (resource limit): run here rather than fail the I/O.
            Unmanaged<Job>.fromOpaque(context).takeRetainedValue().work()
        }
    }
}
