import Foundation
import FixedPoint
import Support

/// A QKeras quantizer as stored in a layer config (facts §6), either as an object
/// `{"class_name": "quantized_bits", "config": {...}}` or as a call string `"quantized_relu(6)"`.
public enum QKerasQuantizer: Sendable, Equatable {
    case quantizedBits(QuantizedBits)
    case quantizedRelu(bits: Int, integer: Int, negativeSlope: Double)
    /// Any other quantizer (kept by name so errors can name it).
    case unsupported(String)

    /// alpha of `quantized_bits`.
    public enum Alpha: Sendable, Equatable {
        /// Not given. Note: QDense silently turns this into `auto_po2` for its kernel (facts §3.8),
        /// which is why the tutorial passes alpha=1 explicitly.
        case none
        case number(Double)
        case auto
        case autoPo2
    }

    public struct QuantizedBits: Sendable, Equatable {
        public var bits: Int
        public var integer: Int
        public var symmetric: Bool
        public var keepNegative: Bool
        public var alpha: Alpha

        public init(bits: Int, integer: Int, symmetric: Bool = false, keepNegative: Bool = true, alpha: Alpha = .number(1)) {
            self.bits = bits
            self.integer = integer
            self.symmetric = symmetric
            self.keepNegative = keepNegative
            self.alpha = alpha
        }

        /// The hls4ml weight/bias type (facts §3.8): `fixed<bits, integer+1>` (TRN, WRAP); `int<bits>`
        /// when bits == integer. keep_negative/symmetric do not change the type.
        public var hlsType: FixedPointType {
            bits == integer ? .int(bits) : .fixed(bits, integer + 1)
        }

        /// The type of a `quantized_bits` QActivation output: `fixed<bits, integer+1, RND_CONV, SAT>`.
        public var activationType: FixedPointType { .fixed(bits, integer + 1, .rndConv, .sat) }

        /// QKeras forward pass for a fixed scale (alpha None → 1, or a number), in float32 as
        /// TensorFlow computes it: `xq = scale·m_i·clip(round(x·m/m_i), lo, m−1)/m` with round half to even.
        public func quantize(_ values: [Float], scale: Float = 1) -> [Float] {
            let unsignedBits = bits - (keepNegative ? 1 : 0)
            if unsignedBits <= 0 {
                // 1-bit: sign with 0 → +1 (facts §6.1).
                return values.map { $0 >= 0 ? scale : (keepNegative ? -scale : 0) }
            }
            let m = Float(sign: .plus, exponent: unsignedBits, significand: 1)
            let mi = Float(sign: .plus, exponent: integer, significand: 1)
            let low: Float = keepNegative ? -m + (symmetric ? 1 : 0) : 0
            return values.map { x in
                let p = (x * m / mi).rounded(.toNearestOrEven)
                return scale * mi * Swift.min(Swift.max(p, low), m - 1) / m
            }
        }

        /// alpha = auto / auto_po2 on a kernel of `rows`×`columns` (per output column, facts §6.1).
        /// Returns the integer levels z (kernel_q = m_i·z·scale) and the per-column `scale`.
        /// auto: z from the initial float scale. auto_po2: po2 scale refined five times by least
        /// squares; z is the one from the last iteration (before its scale update), as QKeras does.
        public func autoScale(_ kernel: [Float], rows: Int, columns: Int, powerOfTwo: Bool) -> (levels: [Float], scale: [Float]) {
            let mi = Float(sign: .plus, exponent: integer, significand: 1)
            let x = kernel.map { $0 / mi }
            let levels = Float(2 * ((1 << (bits - 1)) - 1))
            let eps: Float = 1e-7
            var scale = [Float](repeating: 1, count: columns)
            for j in 0..<columns {
                var largest: Float = 0
                for i in 0..<rows { largest = Swift.max(largest, abs(x[i * columns + j])) }
                scale[j] = 2 * largest / levels
            }
            func levelsFor(_ scale: [Float]) -> [Float] {
                var z = [Float](repeating: 0, count: kernel.count)
                for i in 0..<rows {
                    for j in 0..<columns {
                        let value = x[i * columns + j]
                        let v = scale[j] > 0 ? (abs(value) / scale[j] + 0.5).rounded(.down) : 0
                        let sign: Float = value > 0 ? 1 : (value < 0 ? -1 : 0)
                        z[i * columns + j] = sign * Swift.min(v, levels / 2)
                    }
                }
                return z
            }
            if powerOfTwo {
                func po2(_ value: Float) -> Float {
                    let exponent = Float(log2(Double(value + eps))).rounded(.toNearestOrEven)
                    return Float(pow(2.0, Double(exponent)))
                }
                scale = scale.map(po2)
                // QKeras keeps the levels z of the 5th iteration, computed *before* that
                // iteration's scale update (it does not recompute z with the final scale).
                var z = levelsFor(scale)
                for iteration in 0..<5 {
                    if iteration > 0 { z = levelsFor(scale) }
                    for j in 0..<columns {
                        var xz: Float = 0
                        var zz: Float = 0
                        for i in 0..<rows {
                            xz += x[i * columns + j] * z[i * columns + j]
                            zz += z[i * columns + j] * z[i * columns + j]
                        }
                        let n = Float(rows)
                        scale[j] = po2((xz / n) / (zz / n + eps))
                    }
                }
                return (z, scale)
            }
            return (levelsFor(scale), scale)
        }
    }

    /// Parses a quantizer from a layer config value; nil for `null`.
    public static func parse(_ value: JSONValue?, at location: String) throws -> QKerasQuantizer? {
        guard let value, !value.isNull else { return nil }
        if let text = value.stringValue { return try parseCall(text, at: location) }
        guard let name = value["class_name"]?.stringValue else {
            throw UserError("quantizer without 'class_name'", at: location, expected: "a QKeras quantizer config")
        }
        let config = value["config"] ?? .object([:])
        return try make(name, arguments: { key, _ in config[key] }, at: location)
    }

    /// `quantized_bits(6,0,alpha=1)` style strings (positional and keyword arguments).
    static func parseCall(_ text: String, at location: String) throws -> QKerasQuantizer {
        let trimmed = text.replacingOccurrences(of: " ", with: "")
        guard let open = trimmed.firstIndex(of: "(") else {
            return try make(trimmed, arguments: { _, _ in nil }, at: location)
        }
        guard trimmed.hasSuffix(")") else { throw UserError("malformed quantizer '\(text)'", at: location) }
        let name = String(trimmed[..<open])
        let inner = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
        var positional: [JSONValue] = []
        var keywords: [String: JSONValue] = [:]
        for part in inner.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            func value(_ s: String) -> JSONValue {
                if let i = Int(s) { return .int(i) }
                if let d = Double(s) { return .double(d) }
                if s == "None" { return .null }
                if s == "True" { return .bool(true) }
                if s == "False" { return .bool(false) }
                return .string(s.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")))
            }
            if pieces.count == 2 { keywords[pieces[0]] = value(pieces[1]) } else { positional.append(value(pieces[0])) }
        }
        return try make(name, arguments: { key, position in
            keywords[key] ?? (position < positional.count ? positional[position] : nil)
        }, at: location)
    }

    private static func make(_ name: String, arguments: (String, Int) -> JSONValue?, at location: String) throws -> QKerasQuantizer {
        func int(_ key: String, _ position: Int, _ fallback: Int) throws -> Int {
            guard let value = arguments(key, position), !value.isNull else { return fallback }
            guard let number = value.intValue else {
                throw UserError("\(name) argument '\(key)' must be an integer", at: location)
            }
            return number
        }
        switch name {
        case "quantized_bits":
            let bits = try int("bits", 0, 8)
            guard bits >= 1 else { throw UserError("quantized_bits needs bits ≥ 1", at: location) }
            let alpha: Alpha
            switch arguments("alpha", 4) {
            case nil, .some(.null): alpha = .none
            case .some(.string("auto")): alpha = .auto
            case .some(.string("auto_po2")): alpha = .autoPo2
            case .some(let value):
                guard let number = value.doubleValue else {
                    throw UserError("unsupported quantized_bits alpha \(value.serialized())", at: location,
                                    expected: "a number, None, 'auto' or 'auto_po2'")
                }
                alpha = .number(number)
            }
            return .quantizedBits(QuantizedBits(bits: bits, integer: try int("integer", 1, 0),
                                                symmetric: (arguments("symmetric", 2)?.boolValue ?? false),
                                                keepNegative: (arguments("keep_negative", 3)?.boolValue ?? true), alpha: alpha))
        case "quantized_relu":
            return .quantizedRelu(bits: try int("bits", 0, 8), integer: try int("integer", 1, 0),
                                  negativeSlope: arguments("negative_slope", 3)?.doubleValue ?? 0)
        default:
            return .unsupported(name)
        }
    }
}
