/// Java strings in Swift `String`s, exactly: Java's strings are sequences of UTF-16 code units and may hold
/// unpaired ("lone") surrogates, which a Swift `String` (Unicode scalars only) cannot.
///
/// Every string swift-hollow reads from a blob (header tags, schema, field and type names, STRING values) goes
/// through ``string(units:)``, and every string it writes into a blob or hashes as Java would goes through
/// ``units(_:)`` (or ``forEachUnit(_:_:)``), so a Java string survives a read and a write unchanged:
///
/// - a lone surrogate `u` (U+D800–U+DFFF) becomes two scalars: the escape U+10FFFF (a noncharacter, "not for
///   interchange") followed by U+10F000 + (u − 0xD800), a private-use scalar of plane 16;
/// - a real U+10FFFF becomes U+10FFFF U+10FFFF;
/// - everything else is itself.
///
/// Strings without lone surrogates and without U+10FFFF, i.e. all well-formed text in practice, are therefore
/// unchanged Swift strings. When writing, an escape followed by neither kind of scalar is a real U+10FFFF.
/// The canonical dump and ``JSONValue`` print a lone surrogate as Java's dump does: `\udxxx`.
public enum JavaUTF16 {
    /// The escape scalar U+10FFFF that introduces a lone surrogate (or doubles itself).
    public static let escape: Unicode.Scalar = "\u{10FFFF}"
    /// The scalar after the escape for lone surrogate 0xD800; 0xD801 is one more, up to 0xDFFF.
    public static let loneSurrogateBase: UInt32 = 0x10F000

    /// The string of the UTF-16 code units `units`, lone surrogates kept as described above.
    public static func string<C: Collection>(units: C) -> String where C.Element == UInt16 {
        if !units.contains(where: { $0 & 0xF800 == 0xD800 }) { return String(decoding: units, as: UTF16.self) }
        var scalars = String.UnicodeScalarView()
        var i = units.startIndex
        while i < units.endIndex {
            let u = units[i]
            units.formIndex(after: &i)
            if u & 0xF800 != 0xD800 {
                scalars.append(Unicode.Scalar(u)!)
            } else if u < 0xDC00, i < units.endIndex, units[i] & 0xFC00 == 0xDC00 {
                let value = 0x10000 + (UInt32(u - 0xD800) << 10) + UInt32(units[i] - 0xDC00)
                units.formIndex(after: &i)
                let scalar = Unicode.Scalar(value)!
                if scalar == escape { scalars.append(escape) }
                scalars.append(scalar)
            } else {
                scalars.append(escape)
                scalars.append(Unicode.Scalar(loneSurrogateBase + UInt32(u - 0xD800))!)
            }
        }
        return String(scalars)
    }

    /// True when `string` may carry escapes (it has a scalar of plane 16), i.e. ``units(_:)`` differs from
    /// `string.utf16`; false is a cheap proof that it does not.
    @inline(__always)
    static func mayHoldEscapes(_ string: String) -> Bool {
        // Plane 16 scalars, and only they, start with the UTF-8 byte F4.
        var s = string
        return s.withUTF8 { $0.contains(0xF4) }
    }

    /// Calls `body` with each UTF-16 code unit of the Java string that `string` carries.
    @inline(__always)
    public static func forEachUnit(_ string: String, _ body: (UInt16) throws -> Void) rethrows {
        guard mayHoldEscapes(string) else {
            for u in string.utf16 { try body(u) }
            return
        }
        var it = string.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar?
        while let scalar = pending ?? it.next() {
            pending = nil
            guard scalar == escape else {
                for u in UTF16.encode(scalar)! { try body(u) }
                continue
            }
            let next = it.next()
            if let next, next.value >= loneSurrogateBase, next.value < loneSurrogateBase + 0x800 {
                try body(UInt16(0xD800 + next.value - loneSurrogateBase))
            } else {
                // A doubled escape, or (leniently) a lone escape: a real U+10FFFF.
                try body(0xDBFF)
                try body(0xDFFF)
                if next != escape { pending = next }
            }
        }
    }

    /// The UTF-16 code units of the Java string that `string` carries.
    public static func units(_ string: String) -> [UInt16] {
        guard mayHoldEscapes(string) else { return Array(string.utf16) }
        var out: [UInt16] = []
        out.reserveCapacity(string.utf16.count)
        forEachUnit(string) { out.append($0) }
        return out
    }

    /// True when the Java string that `string` carries holds a lone surrogate.
    public static func hasLoneSurrogate(_ string: String) -> Bool {
        guard mayHoldEscapes(string) else { return false }
        let u = units(string)
        return String(validating: u, as: UTF16.self) == nil
    }

    /// Java's `String.hashCode()` of the Java string that `string` carries.
    public static func javaHashCode(_ string: String) -> Int32 {
        var h: Int32 = 0
        forEachUnit(string) { h = h &* 31 &+ Int32($0) }
        return h
    }

    /// Java's `String.compareTo(b) < 0`: lexicographic over UTF-16 code units.
    public static func javaLess(_ a: String, _ b: String) -> Bool {
        if !mayHoldEscapes(a) && !mayHoldEscapes(b) { return a.utf16.lexicographicallyPrecedes(b.utf16) }
        return units(a).lexicographicallyPrecedes(units(b))
    }
}
