// XXH3-64 (Yann Collet's xxHash, XXH3 with 64-bit output, seed 0 and the default secret), written from the
// algorithm's description; checked against the reference implementation's sanity vectors in
// Tests/HollowCoreTests/BlobDigestTests.swift.

/// A streaming XXH3-64 hasher (seed 0, default secret): feed bytes with ``update(_:)`` in any pieces, then read
/// ``digest()``. The result equals the one-shot hash of the concatenated bytes.
///
/// - Complexity: O(n); long inputs run through 1 KiB blocks of eight 64-bit lanes, with no copy of the input
///   except for the last block of each ``update(_:)`` call.
public struct XXH3Hasher: Sendable {
    private var acc = XXH3.initialAccumulators
    /// Bytes not yet consumed (at most one block); a block is consumed only once more input follows it.
    private var buffer: [UInt8] = []
    /// The last stripe (64 bytes) of the consumed blocks, for the final stripe of an input that ends early.
    private var lastStripe = [UInt8](repeating: 0, count: XXH3.stripeLength)
    private var totalLength = 0

    /// A hasher with nothing fed.
    public init() {
        buffer.reserveCapacity(XXH3.blockLength)
    }

    /// Feeds `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let count = bytes.count
        totalLength += count
        var offset = 0
        if !buffer.isEmpty {
            let take = min(XXH3.blockLength - buffer.count, count)
            buffer.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
            offset = take
            guard offset < count else { return }  // a full buffer waits until more input follows it
            buffer.withUnsafeBytes { XXH3.consumeBlocks(&acc, $0.baseAddress!, blocks: 1) }
            lastStripe.replaceSubrange(0..<XXH3.stripeLength, with: buffer[(XXH3.blockLength - XXH3.stripeLength)...])
            buffer.removeAll(keepingCapacity: true)
        }
        let direct = (count - offset - 1) / XXH3.blockLength  // whole blocks that more input follows
        if direct > 0 {
            XXH3.consumeBlocks(&acc, base + offset, blocks: direct)
            offset += direct * XXH3.blockLength
            lastStripe.withUnsafeMutableBytes {
                $0.copyMemory(from: UnsafeRawBufferPointer(start: base + offset - XXH3.stripeLength, count: XXH3.stripeLength))
            }
        }
        buffer.append(contentsOf: UnsafeRawBufferPointer(start: base + offset, count: count - offset))
    }

    /// Feeds `bytes`.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The XXH3-64 hash of everything fed so far (the hasher can be fed further afterwards).
    public func digest() -> UInt64 {
        if totalLength <= XXH3.midSizeMax {
            return buffer.withUnsafeBytes { XXH3.hashShort($0) }
        }
        var acc = self.acc
        return XXH3.secretBytes.withUnsafeBytes { secretBuffer in
            let secret = secretBuffer.baseAddress!
            buffer.withUnsafeBytes { tailBuffer in
                let tail = tailBuffer.baseAddress!
                let stripes = (tailBuffer.count - 1) / XXH3.stripeLength
                for s in 0..<stripes {
                    XXH3.accumulateStripe(&acc, tail + s * XXH3.stripeLength, secret + s * XXH3.secretConsumeRate)
                }
                let lastSecret = secret + XXH3.secretSize - XXH3.stripeLength - XXH3.lastAccumulatorStart
                if tailBuffer.count >= XXH3.stripeLength {
                    XXH3.accumulateStripe(&acc, tail + tailBuffer.count - XXH3.stripeLength, lastSecret)
                } else {
                    // The last stripe reaches back into the previous block.
                    var stripe = [UInt8](repeating: 0, count: XXH3.stripeLength)
                    let fromPrevious = XXH3.stripeLength - tailBuffer.count
                    stripe.replaceSubrange(0..<fromPrevious, with: lastStripe[tailBuffer.count...])
                    stripe.replaceSubrange(fromPrevious..., with: tailBuffer)
                    stripe.withUnsafeBytes { XXH3.accumulateStripe(&acc, $0.baseAddress!, lastSecret) }
                }
            }
            return XXH3.mergeAccumulators(acc, secret + XXH3.mergeAccumulatorsStart, UInt64(totalLength) &* XXH3.prime64_1)
        }
    }
}

/// XXH3-64 one-shot hashing and the algorithm's parts.
public enum XXH3 {
    /// The XXH3-64 hash (seed 0) of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = XXH3Hasher()
        hasher.update(bytes)
        return hasher.digest()
    }

    /// The XXH3-64 hash (seed 0) of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { hash($0) }
    }

    static let prime32_1: UInt64 = 0x9E37_79B1
    static let prime32_2: UInt64 = 0x85EB_CA77
    static let prime32_3: UInt64 = 0xC2B2_AE3D
    static let prime64_1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let prime64_2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let prime64_3: UInt64 = 0x1656_67B1_9E37_79F9
    static let prime64_4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let prime64_5: UInt64 = 0x27D4_EB2F_1656_67C5
    static let primeMX1: UInt64 = 0x1656_6791_9E37_79F9
    static let primeMX2: UInt64 = 0x9FB2_1C65_1E98_DF25

    static let stripeLength = 64
    static let secretSize = 192
    static let secretSizeMin = 136
    static let secretConsumeRate = 8
    static let stripesPerBlock = (secretSize - stripeLength) / secretConsumeRate  // 16
    static let blockLength = stripeLength * stripesPerBlock  // 1024
    static let midSizeMax = 240
    static let midSizeStartOffset = 3
    static let midSizeLastOffset = 17
    static let lastAccumulatorStart = 7
    static let mergeAccumulatorsStart = 11

    /// The eight lanes of the long-input loop.
    struct Accumulators: Sendable {
        var a0, a1, a2, a3, a4, a5, a6, a7: UInt64
    }

    static let initialAccumulators = Accumulators(
        a0: prime32_3, a1: prime64_1, a2: prime64_2, a3: prime64_3, a4: prime64_4, a5: prime32_2, a6: prime64_5,
        a7: prime32_1)

    /// The default secret (the reference implementation's `XXH3_kSecret`).
    static let secretBytes: [UInt8] = [
        0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
        0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
        0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
        0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
        0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
        0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
        0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
        0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
        0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
        0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
        0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
        0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
    ]

    /// The secret as 64-bit little-endian words at 8-byte steps (stripes and scrambling read it so).
    static let secretWords: [UInt64] = (0..<(secretSize / 8)).map { i in
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(secretBytes[i * 8 + $1]) << (8 * UInt64($1)) }
    }

    @inline(__always)
    static func read64(_ p: UnsafeRawPointer, _ offset: Int = 0) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    static func read32(_ p: UnsafeRawPointer, _ offset: Int = 0) -> UInt32 {
        UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    static func fold64(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    static func avalanche(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 37
        h &*= primeMX1
        return h ^ (h >> 32)
    }

    static func xxh64Avalanche(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h &*= prime64_2
        h ^= h >> 29
        h &*= prime64_3
        return h ^ (h >> 32)
    }

    static func rrmxmx(_ value: UInt64, length: Int) -> UInt64 {
        var h = value
        h ^= h.rotatedLeft(49) ^ h.rotatedLeft(24)
        h &*= primeMX2
        h ^= (h >> 35) &+ UInt64(length)
        h &*= primeMX2
        return h ^ (h >> 28)
    }

    @inline(__always)
    static func mix16(_ input: UnsafeRawPointer, _ secret: UnsafeRawPointer) -> UInt64 {
        fold64(read64(input) ^ read64(secret), read64(input, 8) ^ read64(secret, 8))
    }

    /// Inputs of up to 240 bytes.
    static func hashShort(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let length = bytes.count
        return secretBytes.withUnsafeBytes { secretBuffer in
            let secret = secretBuffer.baseAddress!
            guard length > 0, let input = bytes.baseAddress else {
                return xxh64Avalanche(read64(secret, 56) ^ read64(secret, 64))
            }
            switch length {
            case 1...3:
                let c1 = UInt32(input.load(fromByteOffset: 0, as: UInt8.self))
                let c2 = UInt32(input.load(fromByteOffset: length >> 1, as: UInt8.self))
                let c3 = UInt32(input.load(fromByteOffset: length - 1, as: UInt8.self))
                let combined = (c1 << 16) | (c2 << 24) | c3 | (UInt32(length) << 8)
                let bitflip = UInt64(read32(secret) ^ read32(secret, 4))
                return xxh64Avalanche(UInt64(combined) ^ bitflip)
            case 4...8:
                let low = UInt64(read32(input, length - 4))
                let high = UInt64(read32(input)) << 32
                let bitflip = read64(secret, 8) ^ read64(secret, 16)
                return rrmxmx((high &+ low) ^ bitflip, length: length)
            case 9...16:
                let low = read64(input) ^ (read64(secret, 24) ^ read64(secret, 32))
                let high = read64(input, length - 8) ^ (read64(secret, 40) ^ read64(secret, 48))
                return avalanche(UInt64(length) &+ low.byteSwapped &+ high &+ fold64(low, high))
            case 17...128:
                var acc = UInt64(length) &* prime64_1
                if length > 32 {
                    if length > 64 {
                        if length > 96 {
                            acc &+= mix16(input + 48, secret + 96)
                            acc &+= mix16(input + length - 64, secret + 112)
                        }
                        acc &+= mix16(input + 32, secret + 64)
                        acc &+= mix16(input + length - 48, secret + 80)
                    }
                    acc &+= mix16(input + 16, secret + 32)
                    acc &+= mix16(input + length - 32, secret + 48)
                }
                acc &+= mix16(input, secret)
                acc &+= mix16(input + length - 16, secret + 16)
                return avalanche(acc)
            default:  // 129...240
                var acc = UInt64(length) &* prime64_1
                for i in 0..<8 { acc &+= mix16(input + 16 * i, secret + 16 * i) }
                acc = avalanche(acc)
                for i in 8..<(length / 16) {
                    acc &+= mix16(input + 16 * i, secret + 16 * (i - 8) + midSizeStartOffset)
                }
                acc &+= mix16(input + length - 16, secret + secretSizeMin - midSizeLastOffset)
                return avalanche(acc)
            }
        }
    }

    /// One 64-byte stripe into the lanes, with the secret at `secret` (any byte offset).
    @inline(__always)
    static func accumulateStripe(_ acc: inout Accumulators, _ input: UnsafeRawPointer, _ secret: UnsafeRawPointer) {
        accumulateStripe(&acc, input) { read64(secret, 8 * $0) }
    }

    @inline(__always)
    static func accumulateStripe(
        _ acc: inout Accumulators, _ input: UnsafeRawPointer, key: (Int) -> UInt64
    ) {
        let d0 = read64(input, 0), d1 = read64(input, 8), d2 = read64(input, 16), d3 = read64(input, 24)
        let d4 = read64(input, 32), d5 = read64(input, 40), d6 = read64(input, 48), d7 = read64(input, 56)
        let k0 = d0 ^ key(0), k1 = d1 ^ key(1), k2 = d2 ^ key(2), k3 = d3 ^ key(3)
        let k4 = d4 ^ key(4), k5 = d5 ^ key(5), k6 = d6 ^ key(6), k7 = d7 ^ key(7)
        // Each lane adds its neighbour's data and the product of its keyed data's two 32-bit halves.
        acc.a0 &+= d1 &+ (k0 & 0xFFFF_FFFF) &* (k0 >> 32)
        acc.a1 &+= d0 &+ (k1 & 0xFFFF_FFFF) &* (k1 >> 32)
        acc.a2 &+= d3 &+ (k2 & 0xFFFF_FFFF) &* (k2 >> 32)
        acc.a3 &+= d2 &+ (k3 & 0xFFFF_FFFF) &* (k3 >> 32)
        acc.a4 &+= d5 &+ (k4 & 0xFFFF_FFFF) &* (k4 >> 32)
        acc.a5 &+= d4 &+ (k5 & 0xFFFF_FFFF) &* (k5 >> 32)
        acc.a6 &+= d7 &+ (k6 & 0xFFFF_FFFF) &* (k6 >> 32)
        acc.a7 &+= d6 &+ (k7 & 0xFFFF_FFFF) &* (k7 >> 32)
    }

    /// Whole 1 KiB blocks: 16 stripes, then the lanes are scrambled.
    static func consumeBlocks(_ acc: inout Accumulators, _ input: UnsafeRawPointer, blocks: Int) {
        secretWords.withUnsafeBufferPointer { words in
            var lanes = acc
            for block in 0..<blocks {
                let start = input + block * blockLength
                for stripe in 0..<stripesPerBlock {
                    accumulateStripe(&lanes, start + stripe * stripeLength) { words[stripe + $0] }
                }
                // Scramble with the secret's last 64 bytes (words 16...23).
                func scramble(_ lane: inout UInt64, _ word: Int) {
                    lane = (lane ^ (lane >> 47) ^ words[word]) &* prime32_1
                }
                scramble(&lanes.a0, 16)
                scramble(&lanes.a1, 17)
                scramble(&lanes.a2, 18)
                scramble(&lanes.a3, 19)
                scramble(&lanes.a4, 20)
                scramble(&lanes.a5, 21)
                scramble(&lanes.a6, 22)
                scramble(&lanes.a7, 23)
            }
            acc = lanes
        }
    }

    static func mergeAccumulators(_ acc: Accumulators, _ secret: UnsafeRawPointer, _ start: UInt64) -> UInt64 {
        var result = start
        result &+= fold64(acc.a0 ^ read64(secret, 0), acc.a1 ^ read64(secret, 8))
        result &+= fold64(acc.a2 ^ read64(secret, 16), acc.a3 ^ read64(secret, 24))
        result &+= fold64(acc.a4 ^ read64(secret, 32), acc.a5 ^ read64(secret, 40))
        result &+= fold64(acc.a6 ^ read64(secret, 48), acc.a7 ^ read64(secret, 56))
        return avalanche(result)
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ bits: UInt64) -> UInt64 { (self << bits) | (self >> (64 - bits)) }
}
