internal import CZstd
public import HollowCore

/// Compresses blobs with zstd (libzstd), one frame per blob with a content checksum; files get the `.zst` suffix.
///
/// Decompression streams, so it also reads frames written without a content size (e.g. by `zstd` from a pipe)
/// and concatenated frames. It refuses output above ``maxDecompressedSize``, so a small malicious file cannot
/// make a consumer allocate gigabytes.
public struct ZstdCompressor: BlobCompressor {
    /// The compression level (libzstd clamps it to `ZSTD_minCLevel()...ZSTD_maxCLevel()`; 3 is zstd's default).
    public var level: Int32
    /// The largest decompressed size accepted, in bytes.
    public var maxDecompressedSize: Int

    /// The default cap on decompressed output: 1 GiB.
    public static let defaultMaxDecompressedSize = 1 << 30

    /// The file-name suffix, `zst`.
    public var fileExtension: String { "zst" }

    /// The version of the libzstd in use, e.g. `1.5.4`.
    public static var libraryVersion: String { String(cString: ZSTD_versionString()) }

    /// The range of levels libzstd accepts (negative levels are the fast ones).
    public static var levelRange: ClosedRange<Int32> { ZSTD_minCLevel()...ZSTD_maxCLevel() }

    /// Creates a compressor.
    /// - Parameters:
    ///   - level: zstd compression level (default 3).
    ///   - maxDecompressedSize: the largest decompressed output accepted, in bytes (default 1 GiB).
    public init(level: Int32 = 3, maxDecompressedSize: Int = ZstdCompressor.defaultMaxDecompressedSize) {
        self.level = level
        self.maxDecompressedSize = maxDecompressedSize
    }

    /// Compresses `bytes` into one zstd frame carrying the content size and a content checksum.
    /// - Throws: ``ZstdError`` with code `compressionFailed` or `outOfMemory`.
    public func compress(_ bytes: [UInt8]) throws(ZstdError) -> [UInt8] {
        guard let cctx = ZSTD_createCCtx() else {
            throw ZstdError(code: .outOfMemory, message: "ZSTD_createCCtx failed")
        }
        defer { ZSTD_freeCCtx(cctx) }
        try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level), "setting level \(level)")
        try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1), "enabling checksums")
        try check(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1), "enabling the content size")
        let bound = ZSTD_compressBound(bytes.count)
        if ZSTD_isError(bound) != 0 {
            throw ZstdError(code: .compressionFailed, message: "input of \(bytes.count) bytes is too large for zstd")
        }
        var failure: ZstdError?
        let output = [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            let written = bytes.withUnsafeBytes { source in
                ZSTD_compress2(cctx, buffer.baseAddress, bound, source.baseAddress, source.count)
            }
            if ZSTD_isError(written) != 0 {
                failure = ZstdError(code: .compressionFailed, message: "ZSTD_compress2: \(errorName(written))")
                initialized = 0
            } else {
                initialized = written
            }
        }
        if let failure { throw failure }
        return output
    }

    /// Decompresses one or more concatenated zstd frames, verifying their checksums.
    /// - Throws: ``ZstdError``: `corruptInput` for anything that is not valid zstd, `truncatedInput` for input
    ///   that ends inside a frame (or is empty), `outputLimitExceeded` past ``maxDecompressedSize``.
    public func decompress(_ bytes: [UInt8]) throws(ZstdError) -> [UInt8] {
        guard !bytes.isEmpty else {
            throw ZstdError(code: .truncatedInput, message: "empty input: no zstd frame")
        }
        let limit = max(0, maxDecompressedSize)
        // A declared content size lets us size the buffer once, and refuse a bomb before allocating.
        let declared = bytes.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        var capacity: Int
        switch declared {
        case UInt64.max - 1:  // ZSTD_CONTENTSIZE_ERROR
            if bytes.count < 4 || !bytes.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) && !isSkippableMagic(bytes) {
                throw ZstdError(code: .corruptInput, message: "not a zstd frame (bad magic number)")
            }
            throw ZstdError(code: .truncatedInput, message: "input of \(bytes.count) bytes ends inside a frame header")
        case UInt64.max:  // ZSTD_CONTENTSIZE_UNKNOWN: grow as we go
            capacity = min(limit, max(64 << 10, bytes.count.multipliedReportingOverflow(by: 4).partialValue))
        default:
            if declared > UInt64(limit) {
                throw ZstdError(
                    code: .outputLimitExceeded,
                    message: "frame declares \(declared) bytes, above the limit of \(limit) bytes")
            }
            capacity = Int(declared)
        }

        guard let dctx = ZSTD_createDCtx() else {
            throw ZstdError(code: .outOfMemory, message: "ZSTD_createDCtx failed")
        }
        defer { ZSTD_freeDCtx(dctx) }

        // Fast path, what our own publisher writes: one complete frame with its size declared. Decode straight
        // into a buffer of that size (the checksum is still verified). Anything else takes the streaming path,
        // which also tells a truncated frame from a corrupt one.
        let frameSize = bytes.withUnsafeBytes { ZSTD_findFrameCompressedSize($0.baseAddress, $0.count) }
        if declared < UInt64.max - 1, ZSTD_isError(frameSize) == 0, frameSize == bytes.count {
            var failure: ZstdError?
            // At least one byte of capacity: `Array(unsafeUninitializedCapacity: 0)` writes its count into the
            // runtime's shared empty-array storage, a data race between threads (ThreadSanitizer reports it).
            let output = [UInt8](unsafeUninitializedCapacity: Swift.max(capacity, 1)) { buffer, initialized in
                let written = bytes.withUnsafeBytes { source in
                    ZSTD_decompressDCtx(dctx, buffer.baseAddress, capacity, source.baseAddress, source.count)
                }
                if ZSTD_isError(written) != 0 {
                    failure = ZstdError(code: .corruptInput, message: "ZSTD_decompressDCtx: \(errorName(written))")
                    initialized = 0
                } else {
                    initialized = written
                }
            }
            if let failure { throw failure }
            guard output.count == capacity else {
                throw ZstdError(
                    code: .corruptInput, message: "frame declares \(capacity) bytes but holds \(output.count)")
            }
            return output
        }

        var output = [UInt8]()
        output.reserveCapacity(capacity + 1)
        let chunkSize = max(ZSTD_DStreamOutSize(), 1)
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var lastResult = 0
        let failure: ZstdError? = bytes.withUnsafeBytes { source -> ZstdError? in
            var input = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
            while true {
                let consumedBefore = input.pos
                let (result, produced) = chunk.withUnsafeMutableBytes { target in
                    var out = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
                    let result = ZSTD_decompressStream(dctx, &out, &input)
                    return (result, out.pos)
                }
                if ZSTD_isError(result) != 0 {
                    return ZstdError(
                        code: .corruptInput,
                        message: "\(errorName(result)) at input offset \(input.pos) of \(source.count)")
                }
                if produced > 0 {
                    if output.count + produced > limit {
                        return ZstdError(
                            code: .outputLimitExceeded,
                            message: "decompressed output exceeds the limit of \(limit) bytes")
                    }
                    output.append(contentsOf: chunk[0..<produced])
                }
                // 0: a frame is complete and flushed. Done if no input is left, else the next frame follows.
                lastResult = result
                if result == 0 && input.pos == input.size { return nil }
                // All input consumed and the decoder flushed what it could: the frame is cut short.
                if input.pos == input.size && produced < chunk.count { return nil }
                // No progress at all (never expected with a non-empty output buffer): stop rather than spin.
                if produced == 0 && input.pos == consumedBefore { return nil }
            }
        }
        if let failure { throw failure }
        if lastResult != 0 {
            throw ZstdError(
                code: .truncatedInput,
                message: "input of \(bytes.count) bytes ends inside a frame (decoded \(output.count) bytes so far)")
        }
        return output
    }

    private func check(_ result: Int, _ what: String) throws(ZstdError) {
        if ZSTD_isError(result) != 0 {
            throw ZstdError(code: .compressionFailed, message: "\(what): \(errorName(result))")
        }
    }
}

private func errorName(_ code: Int) -> String { String(cString: ZSTD_getErrorName(code)) }

/// Skippable frames start with 0x184D2A5? (little endian).
private func isSkippableMagic(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 4 && bytes[1] == 0x2A && bytes[2] == 0x4D && bytes[3] == 0x18 && bytes[0] & 0xF0 == 0x50
}

extension ZstdCompressor {
    /// A stream of the decompressed bytes of `compressed`, decoded piece by piece through libzstd's streaming
    /// decoder (about 128 KiB of input buffer plus the decoder's window): a blob is never decompressed into memory
    /// whole. Its `length` is the size the first frame declares (what ``compress(_:)`` and the `zstd` tool on a
    /// file write), or nil when the frame does not declare one; the stream then runs across concatenated frames.
    /// Each frame's checksum is verified by the time its last byte is returned.
    /// - Throws: ``ZstdError``: `truncatedInput` for empty input or one that ends inside the first frame header,
    ///   `corruptInput` for a bad magic number, `outputLimitExceeded` when the declared size is above
    ///   ``maxDecompressedSize``. Reading the stream throws these codes too, and `corruptInput` when the declared
    ///   size is wrong or more frames follow a frame that declared its size.
    public func decompressing(_ compressed: any BlobInputStream) throws -> any BlobInputStream {
        try ZstdDecompressingStream(source: compressed, limit: max(0, maxDecompressedSize))
    }
}

/// libzstd's streaming decoder over a ``BlobInputStream`` of compressed bytes.
final class ZstdDecompressingStream: BlobInputStream {
    private let source: any BlobInputStream
    // The decoder context, owned by this object and freed in deinit; used only by the one thread reading the stream.
    private let dctx: OpaquePointer
    private var input: [UInt8]
    private var inputPosition = 0
    private var inputSize = 0
    private var sourceEnded = false
    private var produced = 0
    private var finished = false
    /// The decoder's last result: 0 when the frame it worked on is complete (checksum verified).
    private var lastResult = 1
    private let limit: Int
    private(set) var length: Int? = nil

    init(source: any BlobInputStream, limit: Int) throws(ZstdError) {
        self.source = source
        self.limit = limit
        guard let dctx = ZSTD_createDCtx() else {
            throw ZstdError(code: .outOfMemory, message: "ZSTD_createDCtx failed")
        }
        self.dctx = dctx
        input = [UInt8](repeating: 0, count: max(ZSTD_DStreamInSize(), 1 << 16))
        // Read enough for the largest frame header (18 bytes) before asking for the declared size.
        while inputSize < 18 && !sourceEnded { try fillInput() }
        guard inputSize > 0 else {
            throw ZstdError(code: .truncatedInput, message: "empty input: no zstd frame")
        }
        let declared = input.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, inputSize) }
        switch declared {
        case UInt64.max - 1:  // ZSTD_CONTENTSIZE_ERROR
            let magic = Array(input[0..<min(4, inputSize)])
            if magic.count < 4 || magic != [0x28, 0xB5, 0x2F, 0xFD] && !(magic[1] == 0x2A && magic[2] == 0x4D
                && magic[3] == 0x18 && magic[0] & 0xF0 == 0x50)
            {
                throw ZstdError(code: .corruptInput, message: "not a zstd frame (bad magic number)")
            }
            throw ZstdError(code: .truncatedInput, message: "input of \(inputSize) bytes ends inside a frame header")
        case UInt64.max:  // ZSTD_CONTENTSIZE_UNKNOWN
            length = nil
        default:
            if declared > UInt64(limit) {
                throw ZstdError(
                    code: .outputLimitExceeded, message: "frame declares \(declared) bytes, above the limit of \(limit) bytes")
            }
            length = Int(declared)
        }
    }

    deinit { ZSTD_freeDCtx(dctx) }

    private func fillInput() throws(ZstdError) {
        if inputPosition > 0 {
            let keep = inputSize - inputPosition
            if keep > 0 {
                let from = inputPosition
                input.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: $0.baseAddress! + from, byteCount: keep) }
            }
            inputSize = keep
            inputPosition = 0
        }
        let start = inputSize
        do {
            let n = try input.withUnsafeMutableBytes {
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[start...]))
            }
            if n == 0 { sourceEnded = true } else { inputSize += n }
        } catch let error as ZstdError {
            throw error
        } catch {
            throw ZstdError(code: .truncatedInput, message: "reading the compressed input failed: \(error)")
        }
    }

    /// Runs the decoder once into `out`; returns its result (0: a frame is complete).
    private func step(_ out: inout ZSTD_outBuffer) throws(ZstdError) -> Int {
        if inputPosition == inputSize && !sourceEnded { try fillInput() }
        let size = inputSize
        var position = inputPosition
        let result = input.withUnsafeBytes { raw in
            var buffer = ZSTD_inBuffer(src: raw.baseAddress, size: size, pos: position)
            let result = ZSTD_decompressStream(dctx, &out, &buffer)
            position = buffer.pos
            return result
        }
        inputPosition = position
        if ZSTD_isError(result) != 0 {
            throw ZstdError(code: .corruptInput, message: "\(errorName(result)) after \(produced) decompressed bytes")
        }
        lastResult = result
        return result
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if finished || buffer.count == 0 { return 0 }
        let room = length.map { min(buffer.count, $0 - produced) } ?? buffer.count
        if room == 0 {
            try finishFrame()
            return 0
        }
        var out = ZSTD_outBuffer(dst: buffer.baseAddress, size: room, pos: 0)
        while true {
            // Between frames (the last call completed one and consumed all input read so far): the end of the input
            // is the end of the stream. The decoder is not asked to start a frame from no input, which it would
            // answer with a non-zero hint, indistinguishable from a frame cut short.
            if lastResult == 0 && inputPosition == inputSize {
                if !sourceEnded { try fillInput() }
                if inputPosition == inputSize && sourceEnded {
                    finished = true
                    if let length, produced < length {
                        throw ZstdError(
                            code: .corruptInput, message: "the frame declares \(length) bytes but holds \(produced)")
                    }
                    return 0
                }
            }
            let result = try step(&out)
            if out.pos > 0 {
                produced += out.pos
                if produced > limit {
                    throw ZstdError(
                        code: .outputLimitExceeded, message: "decompressed output exceeds the limit of \(limit) bytes")
                }
                // The last declared byte: verify the frame's end (checksum) before handing it over.
                if let length, produced == length { try finishFrame() }
                return out.pos
            }
            if result != 0 && inputPosition == inputSize && sourceEnded {
                throw ZstdError(
                    code: .truncatedInput,
                    message: "the input ends inside a frame (decoded \(produced) bytes so far)")
            }
        }
    }

    /// After the declared size: lets the decoder consume the frame's end (its checksum is verified there) and checks
    /// that no data or further frame follows.
    private func finishFrame() throws(ZstdError) {
        guard !finished else { return }
        var scratch: UInt8 = 0
        var result = lastResult  // 0: the call that produced the last byte also consumed the frame's end
        var rounds = 0
        while result != 0 {
            rounds += 1
            try withUnsafeMutablePointer(to: &scratch) { pointer throws(ZstdError) in
                var out = ZSTD_outBuffer(dst: pointer, size: 1, pos: 0)
                result = try step(&out)
                if out.pos > 0 {
                    throw ZstdError(code: .corruptInput, message: "the frame holds more than the \(produced) bytes it declares")
                }
            }
            if result != 0 && inputPosition == inputSize && sourceEnded {
                throw ZstdError(
                    code: .truncatedInput, message: "the input ends inside a frame (decoded \(produced) bytes so far)")
            }
            if rounds > 1 << 20 { throw ZstdError(code: .corruptInput, message: "the frame does not end") }
        }
        if inputPosition == inputSize && !sourceEnded { try fillInput() }
        if inputPosition < inputSize {
            throw ZstdError(
                code: .corruptInput,
                message: "data follows the frame that declared \(produced) bytes (concatenated frames are only read whole, with decompress(_:))")
        }
        finished = true
    }
}
