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
