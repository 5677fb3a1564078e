// Does this toolchain's ThreadSanitizer see Synchronization.Mutex? Two threads write one dictionary, only ever
// inside `Mutex.withLock`: a correct program. scripts/sanitize.sh builds it with -sanitize=thread and runs it
// before the suites; if TSan reports a race here, reports whose both accesses sit in `withLock` bodies are of
// this kind (Swift 6.3.1 on Linux reports them: the lock is a futex in the uninstrumented standard library).
import Foundation
import Synchronization

struct Table { var slots: [Int32: Int] = [:] }
final class Shared: Sendable { let table = Mutex(Table()) }

let shared = Shared()
let threads = (0..<2).map { t in
    Thread { for i in 0..<20_000 { shared.table.withLock { $0.slots[Int32(i % 64)] = t } } }
}
threads.forEach { $0.start() }
while shared.table.withLock({ $0.slots.count }) < 64 { usleep(1_000) }
sleep(1)
print("mutex-check: \(shared.table.withLock { $0.slots.count }) slots written under Mutex.withLock")
