#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `strerror(errno)` for libmosquitto's MOSQ_ERR_ERRNO.
func strerrorString() -> String? {
    guard let p = strerror(errno) else { return nil }
    return String(cString: p)
}

/// Shuts a socket down in both directions (the peer sees the connection end; our `pselect` wakes up).
func closeConnection(_ fd: Int32) -> Int32 {
    shutdown(fd, Int32(SHUT_RDWR))
}
