import Foundation

/// The raw integer of a fixed-point value (`value = raw · 2^−F`). 128 bits hold every type of
/// up to 64 bits and every exact sum or product of two such values.
public typealias FixedRaw = Int128

/// The outcome of one assignment to a fixed-point type.
public struct Conversion: Hashable, Sendable {
    /// Raw value of the target type (sign-extended for signed targets, 0...2^W−1 for unsigned).
    public var raw: FixedRaw
    /// True when the value did not fit: it wrapped (AP_WRAP) or was saturated/zeroed (SAT modes).
    public var overflowed: Bool

    public init(raw: FixedRaw, overflowed: Bool) {
        self.raw = raw
        self.overflowed = overflowed
    }
}

extension FixedPointType {
    /// Largest width the 128-bit arithmetic supports for a value of this type.
    public static let maximumWidth = 64

    /// Smallest raw value: −2^(W−1) (signed) or 0.
    public var minRaw: FixedRaw { isSigned ? -(FixedRaw(1) << (width - 1)) : 0 }
    /// Largest raw value: 2^(W−1)−1 (signed) or 2^W−1.
    public var maxRaw: FixedRaw { isSigned ? (FixedRaw(1) << (width - 1)) - 1 : (FixedRaw(1) << width) - 1 }

    /// Smallest / largest real value.
    public var minValue: Double { toDouble(raw: minRaw) }
    public var maxValue: Double { toDouble(raw: maxRaw) }

    /// Assigns the exact value `raw · 2^−sourceFractionalBits` to this type: quantization with this
    /// type's Q mode, then overflow handling with its O mode (facts §1.2). The source's signedness
    /// is carried by `raw` itself (an unsigned source is simply a non-negative raw value).
    public func convert(raw source: FixedRaw, fractionalBits sourceFractionalBits: Int) -> Conversion {
        let shift = sourceFractionalBits - fractionalBits
        var value: FixedRaw
        // `exceeds` marks values whose magnitude is beyond 128 bits after alignment (always out of range).
        var exceeds = false
        if shift <= 0 {
            let left = -shift
            if source == 0 {
                value = 0
            } else if left >= 127 {
                value = 0 // low 128 bits of s·2^left are zero
                exceeds = true
            } else {
                value = source << left
                if (value >> left) != source { exceeds = true }
            }
        } else {
            let negative = source < 0
            let base = Self.floorShift(source, shift)
            let half = Self.bit(source, shift - 1)
            let rest = Self.lowBitsNonZero(source, shift - 1)
            let increment: Bool
            switch quantization {
            case .trn: increment = false
            case .trnZero: increment = negative && (half || rest)
            case .rnd: increment = half
            case .rndZero: increment = half && (negative || rest)
            case .rndMinInf: increment = half && rest
            case .rndInf: increment = half && (!negative || rest)
            case .rndConv: increment = half && ((base & 1) != 0 || rest)
            }
            value = increment ? base + 1 : base
        }
        return fit(value, exceeds: exceeds, sourceNegative: source < 0)
    }

    /// Overflow handling of an already aligned value (step 2 of facts §1.2).
    func fit(_ value: FixedRaw, exceeds: Bool, sourceNegative: Bool) -> Conversion {
        let low = minRaw, high = maxRaw
        let inRange = !exceeds && value >= low && value <= high
        let negative = exceeds ? sourceNegative : value < 0
        switch overflow {
        case .wrap:
            let wrapped = wrap(value)
            return Conversion(raw: wrapped, overflowed: !inRange)
        case .sat:
            if inRange { return Conversion(raw: value, overflowed: false) }
            return Conversion(raw: negative ? low : high, overflowed: true)
        case .satZero:
            if inRange { return Conversion(raw: value, overflowed: false) }
            return Conversion(raw: 0, overflowed: true)
        case .satSym:
            if isSigned {
                if inRange && value != low { return Conversion(raw: value, overflowed: false) }
                return Conversion(raw: negative ? low + 1 : high, overflowed: true)
            }
            if inRange { return Conversion(raw: value, overflowed: false) }
            return Conversion(raw: negative ? low : high, overflowed: true)
        }
    }

    /// The low W bits of `value`, sign-extended for signed types (two's complement wrap, N = 0).
    public func wrap(_ value: FixedRaw) -> FixedRaw {
        let unused = 128 - width
        if isSigned { return (value << unused) >> unused }
        return FixedRaw(bitPattern: (UInt128(bitPattern: value) << unused) >> unused)
    }

    /// Interprets the low W bits of a bit pattern as a raw value of this type.
    public func raw(fromBits bits: UInt64) -> FixedRaw {
        wrap(FixedRaw(bits))
    }

    /// Assigns a double by its exact binary value `±m·2^e` (facts §1.3). ±Inf act as values beyond
    /// every range (WRAP gives 0, SAT modes saturate); NaN becomes 0 and counts as an overflow.
    public func convert(_ value: Double) -> Conversion {
        if value.isNaN { return Conversion(raw: 0, overflowed: true) }
        if value == 0 { return Conversion(raw: 0, overflowed: false) }
        if value.isInfinite {
            return fit(0, exceeds: true, sourceNegative: value < 0)
        }
        let bits = value.bitPattern
        let biased = Int((bits >> 52) & 0x7FF)
        let fraction = bits & ((1 << 52) - 1)
        let significand: UInt64 = biased == 0 ? fraction : fraction | (1 << 52)
        let exponent = biased == 0 ? -1074 : biased - 1075
        let signed = value < 0 ? -FixedRaw(significand) : FixedRaw(significand)
        return convert(raw: signed, fractionalBits: -exponent)
    }

    /// `ap_fixed(float)`: the float is widened to double exactly.
    public func convert(_ value: Float) -> Conversion { convert(Double(value)) }

    /// Raw value of this type for `value` (the §1.3 constructor), ignoring the overflow flag.
    public func rawValue(_ value: Double) -> FixedRaw { convert(value).raw }

    /// Exact real value `raw · 2^−F` (exact whenever |raw| < 2^53).
    public func toDouble(raw: FixedRaw) -> Double {
        Double(raw) * Self.powerOfTwo(-fractionalBits)
    }

    /// A weight or bias as the firmware holds it: printed with `weightLiteral` (Python `{:.Nf}`),
    /// read back with strtod, then converted with §1.3 (facts §1.7).
    public func quantizedWeight(_ value: Float) -> FixedRaw {
        let literal = weightLiteral(value)
        let parsed = literal.withCString { strtod($0, nil) }
        return convert(parsed).raw
    }

    /// Type of the exact product `a·b` (facts §1.4).
    public static func productType(_ a: FixedPointType, _ b: FixedPointType) -> FixedPointType {
        FixedPointType(width: a.width + b.width, integer: a.integer + b.integer, isSigned: a.isSigned || b.isSigned)
    }

    /// Type of the exact sum `a+b` (facts §1.4).
    public static func sumType(_ a: FixedPointType, _ b: FixedPointType) -> FixedPointType {
        let signed = a.isSigned || b.isSigned
        let integer = Swift.max(a.integer + (b.isSigned && !a.isSigned ? 1 : 0),
                                b.integer + (a.isSigned && !b.isSigned ? 1 : 0)) + 1
        let fractional = Swift.max(a.fractionalBits, b.fractionalBits)
        return FixedPointType(width: integer + fractional, integer: integer, isSigned: signed)
    }

    /// Exact product of two raw values (fractional bits add up).
    public static func multiply(_ a: FixedRaw, _ b: FixedRaw) -> FixedRaw { a * b }

    /// Exact sum of two raw values with fractional bits `fa`, `fb`; the result has max(fa, fb).
    public static func add(_ a: FixedRaw, fractionalBits fa: Int, _ b: FixedRaw, fractionalBits fb: Int) -> FixedRaw {
        let f = Swift.max(fa, fb)
        return (a << (f - fa)) + (b << (f - fb))
    }

    // MARK: bit helpers (shift counts may exceed 127: the value is sign-extended indefinitely)

    static func floorShift(_ value: FixedRaw, _ shift: Int) -> FixedRaw {
        shift >= 128 ? (value < 0 ? -1 : 0) : value >> shift
    }

    static func bit(_ value: FixedRaw, _ index: Int) -> Bool {
        index >= 127 ? value < 0 : ((value >> index) & 1) != 0
    }

    /// True when any of bits 0..<count of `value` is set.
    static func lowBitsNonZero(_ value: FixedRaw, _ count: Int) -> Bool {
        if count <= 0 { return false }
        if count >= 128 { return value != 0 }
        return (value & ~(FixedRaw(-1) << count)) != 0
    }

    static func powerOfTwo(_ exponent: Int) -> Double {
        scalbn(1.0, exponent)
    }
}

/// A precomputed assignment to one fixed-point type on 64-bit raw values: the simulator's hot path.
///
/// Valid when the source raw values fit in Int64 and the target has at most 63 bits (unsigned 63,
/// signed 64 is excluded too so that `hi + 1` never overflows). `FixedCast.apply` equals
/// `FixedPointType.convert(raw:fractionalBits:)` for those values (tested against the vendor headers).
@frozen
public struct FixedCast: Sendable, Hashable {
    /// `F_source − F_target`: > 0 drops bits (quantization), ≤ 0 shifts left exactly.
    public let shift: Int
    public let target: FixedPointType
    public let low: Int64
    public let high: Int64
    /// 64 − W: the shift pair that sign-extends (or zero-extends) the low W bits.
    public let unused: Int
    @usableFromInline let mode: UInt8
    @usableFromInline let overflowMode: UInt8
    @usableFromInline let signed: Bool

    /// True when this type can be handled by `FixedCast` (W ≤ 63).
    public static func supports(_ type: FixedPointType) -> Bool { type.width <= 63 && type.width >= 1 }

    public init(from sourceFractionalBits: Int, to target: FixedPointType) {
        precondition(FixedCast.supports(target), "FixedCast supports at most 63-bit targets")
        self.shift = sourceFractionalBits - target.fractionalBits
        self.target = target
        self.low = Int64(target.minRaw)
        self.high = Int64(target.maxRaw)
        self.unused = 64 - target.width
        self.signed = target.isSigned
        switch target.quantization {
        case .trn: mode = 0
        case .trnZero: mode = 1
        case .rnd: mode = 2
        case .rndZero: mode = 3
        case .rndMinInf: mode = 4
        case .rndInf: mode = 5
        case .rndConv: mode = 6
        }
        switch target.overflow {
        case .wrap: overflowMode = 0
        case .sat: overflowMode = 1
        case .satZero: overflowMode = 2
        case .satSym: overflowMode = 3
        }
    }

    /// True for the commonest case (TRN + WRAP): floor then keep the low W bits.
    @inlinable public var isTruncateWrap: Bool { mode == 0 && overflowMode == 0 }

    /// Aligns (and quantizes) without the overflow step. Left shifts must not overflow Int64.
    @inlinable @inline(__always)
    public func quantize(_ source: Int64) -> Int64 {
        if shift <= 0 { return source << (-shift) }
        if shift >= 64 {
            // Every kept bit is a sign bit; the first dropped bit is one too.
            let negative = source < 0
            let base: Int64 = negative ? -1 : 0
            let rest = shift == 64 ? (source & Int64.max) != 0 : source != 0
            return base + (increment(negative: negative, half: negative, rest: rest, baseOdd: negative) ? 1 : 0)
        }
        let base = source >> shift
        if mode == 0 { return base }
        let negative = source < 0
        let half = (source >> (shift - 1)) & 1 != 0
        let rest = shift > 1 && (source & ((1 << (shift - 1)) - 1)) != 0
        return base + (increment(negative: negative, half: half, rest: rest, baseOdd: base & 1 != 0) ? 1 : 0)
    }

    @inlinable @inline(__always)
    public func increment(negative: Bool, half: Bool, rest: Bool, baseOdd: Bool) -> Bool {
        switch mode {
        case 0: return false
        case 1: return negative && (half || rest)
        case 2: return half
        case 3: return half && (negative || rest)
        case 4: return half && rest
        case 5: return half && (!negative || rest)
        default: return half && (baseOdd || rest)
        }
    }

    /// Overflow step on an aligned value; `overflowed` is set when the value did not fit.
    @inlinable @inline(__always)
    public func fit(_ value: Int64, overflowed: inout Bool) -> Int64 {
        if overflowMode == 0 {
            let wrapped = signed ? (value << unused) >> unused
                                 : Int64(bitPattern: (UInt64(bitPattern: value) << unused) >> unused)
            if wrapped != value { overflowed = true }
            return wrapped
        }
        if value >= low && value <= high {
            if overflowMode == 3 && signed && value == low { overflowed = true; return low + 1 }
            return value
        }
        overflowed = true
        switch overflowMode {
        case 1: return value < 0 ? low : high
        case 2: return 0
        default: return value < 0 ? (signed ? low + 1 : low) : high
        }
    }

    /// The full assignment (quantize, then overflow).
    @inlinable @inline(__always)
    public func apply(_ source: Int64, overflowed: inout Bool) -> Int64 {
        fit(quantize(source), overflowed: &overflowed)
    }

    /// The full assignment, counting overflows into `count`.
    @inlinable @inline(__always)
    public func apply(_ source: Int64, count: inout Int) -> Int64 {
        var flag = false
        let result = fit(quantize(source), overflowed: &flag)
        if flag { count &+= 1 }
        return result
    }
}

/// double → fixed for one type on the 64-bit path (the simulator's input conversion): exact for
/// finite values with |d·2^F| < 4·10^18, otherwise the 128-bit rule of `FixedPointType.convert(_:)`.
@frozen
public struct DoubleCast: Sendable {
    public let type: FixedPointType
    public let cast: FixedCast
    public let scale: Double

    public init(_ type: FixedPointType) {
        self.type = type
        cast = FixedCast(from: type.fractionalBits, to: type)
        scale = scalbn(1.0, type.fractionalBits)
    }

    @inlinable @inline(__always)
    public func apply(_ value: Double, overflowed: inout Bool) -> Int64 {
        let scaled = value * scale
        if scaled.magnitude < 4.0e18, scaled.magnitude >= 1.0e-300 || value == 0 {
            // value·2^F is exact here (a power-of-two scaling of a normal result), so are floor and remainder.
            let base = scaled.rounded(.down)
            let fraction = scaled - base // in [0, 1), exact
            var integer = Int64(base)
            if fraction != 0 {
                let half = fraction >= 0.5
                let rest = half ? fraction != 0.5 : true
                if cast.increment(negative: value < 0, half: half, rest: rest, baseOdd: integer & 1 != 0) { integer += 1 }
            }
            return cast.fit(integer, overflowed: &overflowed)
        }
        let slow = type.convert(value)
        if slow.overflowed { overflowed = true }
        return Int64(truncatingIfNeeded: slow.raw)
    }
}
