import Foundation
import FixedPoint

/// Owns every buffer a compiled simulator points into; freed with the simulator.
final class Storage: @unchecked Sendable {
    private var allocations: [UnsafeMutableRawPointer] = []

    /// Copies one value into storage and returns its address (plans are read through pointers: no copies per sample).
    func keep<T>(value: T) -> UnsafePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
        pointer.initialize(to: value)
        allocations.append(UnsafeMutableRawPointer(pointer))
        return UnsafePointer(pointer)
    }

    /// Copies `values` into a buffer that lives as long as this storage (never mutated afterwards).
    func keep<T>(_ values: [T]) -> UnsafePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(values.count, 1))
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.initialize(from: base, count: values.count) }
        }
        allocations.append(UnsafeMutableRawPointer(pointer))
        return UnsafePointer(pointer)
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }
}

/// A cast with the commonest case (TRN + WRAP, right shift) inlined into the kernels.
struct QuickCast: Sendable {
    let general: FixedCast
    let fast: Bool
    let shift: Int64
    let unused: Int64
    let signed: Bool

    /// The cast cannot change any value of the source type (same fractional bits, a range that holds it).
    let identity: Bool

    init(_ cast: FixedCast, source: FixedPointType? = nil) {
        general = cast
        fast = cast.isTruncateWrap && cast.shift >= 0 && cast.shift < 64
        shift = Int64(max(0, min(cast.shift, 63)))
        unused = Int64(cast.unused)
        signed = cast.target.isSigned
        if let source, fast, cast.shift == 0 {
            let target = cast.target
            identity = (source.isSigned == target.isSigned && target.width >= source.width)
                || (!source.isSigned && target.isSigned && target.width > source.width)
        } else {
            identity = false
        }
    }

    @inline(__always)
    func apply(_ value: Int64, count: inout Int) -> Int64 {
        if fast {
            let aligned = value &>> shift
            let wrapped = signed ? (aligned &<< unused) &>> unused
                                 : Int64(bitPattern: (UInt64(bitPattern: aligned) &<< UInt64(unused)) &>> UInt64(unused))
            count &+= wrapped != aligned ? 1 : 0
            return wrapped
        }
        return general.apply(value, count: &count)
    }
}

/// How a Dense layer accumulates.
enum DenseMode: UInt8, Sendable {
    /// Every cast applied in order (any Q/O modes, overflow counting, Resource order).
    case general
    /// TRN/WRAP products into a WRAP accumulator: wrapping is addition mod 2^W, so the sum of the
    /// floored products is wrapped once at the end (identical results), on 32-bit lanes.
    case wrap32
    /// The same on 64-bit integers, for wider values.
    case wrap64
    /// ≤ 16-bit inputs, weights and accumulator, 1 ≤ sh ≤ 15: with p = x·w = hi·2^16 + lo,
    /// floor(p / 2^sh) = hi·2^(16−sh) + (lo >> sh), summed on 16-bit lanes (mod 2^16, then wrapped to W_acc).
    case wrap16
    /// Products or accumulators beyond 64-bit arithmetic: every cast on 128-bit raw values.
    case wide128
}

/// The 128-bit Dense path (accumulators up to 64 bits, products up to 126 bits).
struct WideDense: @unchecked Sendable {
    var weights: UnsafePointer<FixedRaw>
    var biases: UnsafePointer<FixedRaw>
    var biasFractionalBits: Int
    var productFractionalBits: Int
    var accumType: FixedPointType
    var resultType: FixedPointType
}

/// A Dense layer ready to run (facts §3.2/§3.3). Weights are `[i * nOut + j]`.
struct DensePlan: @unchecked Sendable {
    var nIn: Int
    var nOut: Int
    var weights: UnsafePointer<Int64>
    var weights32: UnsafePointer<Int32>
    var weights16: UnsafePointer<Int16>
    /// wrap16 only: the weights are stored as w·2^(16−sh) (all fit in 16 bits), so the high half of
    /// one 16×16-bit product is already floor(x·w / 2^sh).
    var preshifted: Bool
    /// wrap16 when not preshifted: w = w_lo + w_hi·2^sh with w_lo ∈ [−2^(sh−1), 2^(sh−1)); `weights16` holds
    /// w_lo·2^(16−sh) and this w_hi, so floor(x·w/2^sh) = highHalf(x·w_lo·2^(16−sh)) + x·w_hi exactly.
    var weightsHigh16: UnsafePointer<Int16>
    /// wrap16 + preshifted with fewer than 8 outputs: weights also stored transposed (`[j * nIn + i]`),
    /// so each output is one vectorized dot product over the inputs.
    var weightsTransposed16: UnsafePointer<Int16>?
    var biasAccum16: UnsafePointer<Int16>
    /// `accum_t(bias)`, and how many of those casts overflow (counted once per sample).
    var biasAccum: UnsafePointer<Int64>
    var biasAccum32: UnsafePointer<Int32>
    var biasOverflows: Int
    /// product (F_x + F_w) → accum_t
    var productCast: FixedCast
    /// accum + product (F_acc) → accum_t
    var sumCast: FixedCast
    /// accum_t → result_t
    var resultCast: QuickCast
    /// Input visiting order (ascending, or Resource's (i mod R, i div R)).
    var order: UnsafePointer<Int>
    var mode: DenseMode
    /// F_x + F_w − F_acc (right shift when ≥ 0).
    var productShift: Int
    /// 64 − W_acc: sign-extension shift of the final wrap.
    var accumUnused: Int
    var wide: UnsafePointer<WideDense>?
}

/// Sigmoid / tanh lookup (facts §3.5).
struct TablePlan: @unchecked Sendable {
    var table: UnsafePointer<Int64>
    var size: Int
    /// 16 for sigmoid (range [−8, 8)), 8 for tanh ([−4, 4)).
    var divisor: Int
    var inputFractionalBits: Int
    var resultCast: FixedCast
}

/// Softmax (facts §3.6).
struct SoftmaxPlan: @unchecked Sendable {
    enum Kind: UInt8 { case stable, latency, legacy, argmax }
    var kind: Kind
    var size: Int
    // stable: xmax − x → inp_norm_t
    var normCast: QuickCast
    /// Exp table (stable, latency, legacy) and how to index it.
    var expTable: UnsafePointer<Int64>
    var expIndexShift: Int
    var expIndexWidth: Int
    /// exp_table_t → accum_t, accum + accum → accum_t, accum_t → inv_inp_t.
    var expToAccum: QuickCast
    var sumCast: QuickCast
    var invInputCast: QuickCast
    var invTable: UnsafePointer<Int64>
    var invIndexShift: Int
    var invIndexWidth: Int
    /// e · inv (F_acc + F_inv) → result_t (legacy: table_t → result_t).
    var resultCast: QuickCast
    // legacy
    var tableSize: Int
    var inputFractionalBits: Int
    var legacyOne: Int64
    var legacySumCast: FixedCast
    var legacyTableFractionalBits: Int
    // argmax
    var oneRaw: Int64
}

/// `res = res_T(x·scale + bias)`, exact product and sum (facts §3.7).
struct BatchNormPlan: @unchecked Sendable {
    var scale: UnsafePointer<Int64>
    var bias: UnsafePointer<Int64>
    var productFractionalBits: Int
    var biasFractionalBits: Int
    var resultType: FixedPointType
}

enum Plan: @unchecked Sendable {
    case dense(UnsafePointer<DensePlan>)
    case relu(QuickCast)
    case linear(QuickCast)
    case table(UnsafePointer<TablePlan>)
    case softmax(UnsafePointer<SoftmaxPlan>)
    case batchNorm(UnsafePointer<BatchNormPlan>)
}

/// One compiled layer.
struct Step: @unchecked Sendable {
    var name: String
    var index: Int
    var plan: Plan
    var inputSize: Int
    var outputSize: Int
    var inputType: FixedPointType
    var outputType: FixedPointType
    /// Internal (accumulator-type) casts per sample, for overflow rates.
    var accumulatorCastsPerSample: Int
    var isSoftmax: Bool { if case .softmax = plan { return true } else { return false } }
}
