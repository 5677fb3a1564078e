import Foundation
import Synchronization

/// Mints the version of each new state (Java: `HollowProducer.VersionMinter`). Versions must increase.
public protocol VersionMinter: Sendable {
    /// The next version; strictly greater than every version minted before by this minter.
    func mint() -> Int64
}

/// Time-based versions like Java's `VersionMinterWithCounter`: `yyyyMMddHHmmss` (UTC) followed by a
/// three-digit counter, e.g. `20261122233412001`; strictly increasing even within one second or if the
/// clock steps back.
public final class TimeBasedVersionMinter: VersionMinter {
    private let last = Mutex<Int64>(0)

    public init() {}

    public func mint() -> Int64 {
        let now = Self.timestamp(Date())
        return last.withLock { last in
            let candidate = now * 1000
            last = candidate > last ? candidate : last + 1
            return last
        }
    }

    /// Continues after `version` (e.g. the version restored at start-up).
    public func advance(past version: Int64) {
        last.withLock { $0 = max($0, version) }
    }

    static func timestamp(_ date: Date) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let parts = [c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0]
        return Int64(parts[0]) * 10_000_000_000 + Int64(parts[1]) * 100_000_000 + Int64(parts[2]) * 1_000_000
            + Int64(parts[3]) * 10_000 + Int64(parts[4]) * 100 + Int64(parts[5])
    }
}

/// Versions 1, 2, 3, ... (or from any start): what the Java fixtures use; handy for tests and demos.
public final class CountingVersionMinter: VersionMinter {
    private let next: Mutex<Int64>

    /// - Parameter start: the first version minted.
    public init(start: Int64 = 1) { next = Mutex(start) }

    public func mint() -> Int64 {
        next.withLock { n in
            defer { n += 1 }
            return n
        }
    }

    /// Continues after `version`.
    public func advance(past version: Int64) {
        next.withLock { $0 = max($0, version + 1) }
    }
}
