import Foundation
import Support

/// How `quantized_bits` scales its grid (QKeras `alpha`).
public enum QuantizerAlpha: Sendable, Codable, Equatable, Hashable {
    /// A fixed scale; `.value(1)` is the plain fixed-point grid (the tutorial's `alpha=1`).
    case value(Double)
    /// Per-output-channel float scale `2·max|x|/levels` (no refinement).
    case auto
    /// Per-output-channel power-of-two scale refined by five least-squares iterations.
    case autoPo2
}

/// QKeras `quantized_bits(bits, integer, symmetric, keep_negative, alpha)` (facts §6.1).
///
/// `alpha == nil` is QKeras's default `None`: used on its own (bias, activation) it means scale 1;
/// as the *kernel* quantizer of a QDense, QKeras silently turns it into `auto_po2` with
/// `symmetric=1`, and so does `QDense` here (see `kernelEffective`).
public struct QuantizedBits: Sendable, Codable, Equatable, Hashable {
    public var bits: Int
    public var integer: Int
    public var symmetric: Bool
    public var keepNegative: Bool
    public var alpha: QuantizerAlpha?

    public init(bits: Int = 8, integer: Int = 0, symmetric: Bool = false, keepNegative: Bool = true,
                alpha: QuantizerAlpha? = nil) {
        self.bits = bits
        self.integer = integer
        self.symmetric = symmetric
        self.keepNegative = keepNegative
        self.alpha = alpha
    }

    /// The quantizer QDense actually applies to its kernel: alpha None becomes auto_po2 (symmetric).
    public var kernelEffective: QuantizedBits {
        guard alpha == nil else { return self }
        var copy = self
        copy.alpha = .autoPo2
        copy.symmetric = true
        return copy
    }

    /// True when the scale is computed from the data per output channel.
    public var isDataDependent: Bool { alpha == .auto || alpha == .autoPo2 }

    /// QKeras `max()`: the largest magnitude on the grid's integer side, `max(1, 2^integer)`
    /// (1 for a 1-bit sign quantizer). Used for the latent-weight `Clip` constraint and init clipping.
    public var maxValue: Float {
        let unsignedBits = bits - (keepNegative ? 1 : 0)
        return unsignedBits > 0 ? max(1, Float(exp2(Double(integer)))) : 1
    }

    public func validate(at location: String) throws {
        guard (1...32).contains(bits) else {
            throw UserError("quantized_bits bits=\(bits) is out of range", at: location, expected: "1...32")
        }
        guard bits - (keepNegative ? 1 : 0) >= 0 else {
            throw UserError("quantized_bits needs at least one bit", at: location)
        }
        if case .value(let a)? = alpha, !(a > 0 && a.isFinite) {
            throw UserError("quantized_bits alpha=\(a) must be a positive number", at: location,
                            expected: "1, 'auto', 'auto_po2' or None")
        }
    }

    /// Element-wise quantization for alpha nil/numeric: `scale·m_i·clip(round(x·m/m_i), lo, m−1)/m`,
    /// rounding half to even like `tf.round`.
    @inline(__always)
    public func quantize(_ x: Float) -> Float {
        let unsignedBits = bits - (keepNegative ? 1 : 0)
        let scale: Float
        if case .value(let a)? = alpha { scale = Float(a) } else { scale = 1 }
        if unsignedBits == 0 {
            let s: Float = x >= 0 ? 1 : -1
            return keepNegative ? s : (s + 1) / 2
        }
        let m = Float(exp2(Double(unsignedBits)))
        let mi = Float(exp2(Double(integer)))
        let p = (x * m / mi).rounded(.toNearestOrEven)
        let low: Float = keepNegative ? -m + (symmetric ? 1 : 0) : 0
        let clipped = min(max(p, low), m - 1)
        return scale * mi * clipped / m
    }

    /// Quantizes a `rows × columns` row-major tensor whose last axis is the output channel
    /// (a Dense kernel is `inputs × units`; a bias is `1 × units`). For data-dependent alpha the
    /// scale is per column; the returned array holds QKeras's `.scale` attribute per column
    /// (`scale·m`, what hls4ml's ApplyAlpha uses), or is empty for fixed alpha.
    @discardableResult
    public func quantize(_ source: UnsafePointer<Float>, rows: Int, columns: Int,
                         into destination: UnsafeMutablePointer<Float>) -> [Float] {
        let count = rows * columns
        guard isDataDependent else {
            for i in 0..<count { destination[i] = quantize(source[i]) }
            return []
        }
        let mi = exp2(Double(integer))
        let levels = 2 * (exp2(Double(bits - 1)) - 1)
        let halfLevels = levels / 2
        let epsilon = 1e-7
        let m = exp2(Double(bits - (keepNegative ? 1 : 0)))
        var scales = [Float](repeating: 0, count: columns)
        func po2(_ v: Double) -> Double { exp2(log2(v + epsilon).rounded(.toNearestOrEven)) }
        @inline(__always) func level(_ xp: Double, _ scale: Double) -> Double {
            let v = min((abs(xp) / scale + 0.5).rounded(.down), halfLevels)
            return xp > 0 ? v : (xp < 0 ? -v : 0)
        }
        for j in 0..<columns {
            var maxAbs = 0.0
            for i in 0..<rows { maxAbs = max(maxAbs, abs(Double(source[i * columns + j]) / mi)) }
            var scale = 2 * maxAbs / levels
            if alpha == .autoPo2 {
                scale = po2(scale)
                for _ in 0..<5 {
                    var xz = 0.0, zz = 0.0
                    for i in 0..<rows {
                        let xp = Double(source[i * columns + j]) / mi
                        let z = level(xp, scale)
                        xz += xp * z
                        zz += z * z
                    }
                    scale = po2((xz / Double(rows)) / (zz / Double(rows) + epsilon))
                }
            }
            for i in 0..<rows {
                let xp = Double(source[i * columns + j]) / mi
                destination[i * columns + j] = Float(mi * level(xp, scale) * scale)
            }
            scales[j] = Float(scale * m)
        }
        return scales
    }

    /// Convenience over arrays (row-major `rows × columns`).
    public func quantize(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        precondition(values.count == rows * columns)
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                _ = quantize(src.baseAddress!, rows: rows, columns: columns, into: dst.baseAddress!)
            }
        }
        return out
    }

    /// QKeras-style text, e.g. `quantized_bits(6,0,0,alpha=1)`.
    public var description: String {
        let a: String
        switch alpha {
        case nil: a = "None"
        case .value(let v)?: a = v == v.rounded() ? String(Int(v)) : String(v)
        case .auto?: a = "'auto'"
        case .autoPo2?: a = "'auto_po2'"
        }
        return "quantized_bits(\(bits),\(integer),\(symmetric ? 1 : 0),keep_negative=\(keepNegative ? 1 : 0),alpha=\(a))"
    }
}

/// QKeras `quantized_relu(bits, integer)` with negative_slope 0 and use_sigmoid 0 (facts §6.2).
public struct QuantizedRelu: Sendable, Codable, Equatable, Hashable {
    public var bits: Int
    public var integer: Int

    public init(bits: Int = 8, integer: Int = 0) {
        self.bits = bits
        self.integer = integer
    }

    public func validate(at location: String) throws {
        guard (1...32).contains(bits) else {
            throw UserError("quantized_relu bits=\(bits) is out of range", at: location, expected: "1...32")
        }
    }

    /// `m_i·clip(round(x·m/m_i)/m, 0, 1−1/m)` with `m = 2^bits`, `m_i = 2^integer`, half to even.
    @inline(__always)
    public func quantize(_ x: Float) -> Float {
        let m = Float(exp2(Double(bits)))
        let mi = Float(exp2(Double(integer)))
        let r = (x * m / mi).rounded(.toNearestOrEven) / m
        return mi * min(max(r, 0), 1 - 1 / m)
    }

    /// Upper end of the straight-through window, `m_i − m_f`: the gradient is 1 on (0, upper].
    public var gradientUpperBound: Float {
        let mi = Float(exp2(Double(integer)))
        return mi - Float(exp2(Double(integer - bits)))
    }

    /// The straight-through gradient factor at pre-activation `x`.
    @inline(__always)
    public func gradient(at x: Float) -> Float {
        (x > 0 && x <= gradientUpperBound) ? 1 : 0
    }

    public var description: String { "quantized_relu(\(bits),\(integer))" }
}

/// A quantizer usable by QDense (kernel/bias) and QActivation.
public enum Quantizer: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    case quantizedBits(QuantizedBits)
    case quantizedRelu(QuantizedRelu)

    /// Shorthand for the tutorial's `quantized_bits(bits, integer, alpha=…)`.
    public static func bits(_ bits: Int, _ integer: Int = 0, symmetric: Bool = false, keepNegative: Bool = true,
                            alpha: QuantizerAlpha? = nil) -> Quantizer {
        .quantizedBits(QuantizedBits(bits: bits, integer: integer, symmetric: symmetric,
                                     keepNegative: keepNegative, alpha: alpha))
    }

    /// Shorthand for `quantized_relu(bits, integer)`.
    public static func relu(_ bits: Int, _ integer: Int = 0) -> Quantizer {
        .quantizedRelu(QuantizedRelu(bits: bits, integer: integer))
    }

    public func quantize(_ x: Float) -> Float {
        switch self {
        case .quantizedBits(let q): return q.quantize(x)
        case .quantizedRelu(let q): return q.quantize(x)
        }
    }

    public func validate(at location: String) throws {
        switch self {
        case .quantizedBits(let q): try q.validate(at: location)
        case .quantizedRelu(let q): try q.validate(at: location)
        }
    }

    public var description: String {
        switch self {
        case .quantizedBits(let q): return q.description
        case .quantizedRelu(let q): return q.description
        }
    }
}
