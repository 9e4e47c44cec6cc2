import Foundation
import FixedPoint

/// Owns every buffer a compiled simulator points into; freed with the simulator.
final class Storage: @unchecked Sendable {
    private var allocations: [UnsafeMutableRawPointer] = []

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

/// How a Dense layer accumulates.
enum DenseMode: UInt8, Sendable {
    /// Every cast applied in order (any Q/O modes, overflow counting, Resource order).
    case general
    /// TRN/WRAP products into a WRAP accumulator: wrapping is addition mod 2^W, so the sum of the
    /// floored products is wrapped once at the end (identical results), on 32-bit lanes.
    case wrap32
    /// The same on 64-bit integers, for wider values.
    case wrap64
}

/// A Dense layer ready to run (facts §3.2/§3.3). Weights are `[i * nOut + j]`.
struct DensePlan: @unchecked Sendable {
    var nIn: Int
    var nOut: Int
    var weights: UnsafePointer<Int64>
    var weights32: UnsafePointer<Int32>
    /// `accum_t(bias)`, and how many of those casts overflow (counted once per sample).
    var biasAccum: UnsafePointer<Int64>
    var biasAccum32: UnsafePointer<Int32>
    var biasOverflows: Int
    /// product (F_x + F_w) → accum_t
    var productCast: FixedCast
    /// accum + product (F_acc) → accum_t
    var sumCast: FixedCast
    /// accum_t → result_t
    var resultCast: FixedCast
    /// Input visiting order (ascending, or Resource's (i mod R, i div R)).
    var order: UnsafePointer<Int>
    var mode: DenseMode
    /// F_x + F_w − F_acc (right shift when ≥ 0).
    var productShift: Int
    /// 64 − W_acc: sign-extension shift of the final wrap.
    var accumUnused: Int
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
    var normCast: FixedCast
    /// Exp table (stable, latency, legacy) and how to index it.
    var expTable: UnsafePointer<Int64>
    var expIndexShift: Int
    var expIndexWidth: Int
    /// exp_table_t → accum_t, accum + accum → accum_t, accum_t → inv_inp_t.
    var expToAccum: FixedCast
    var sumCast: FixedCast
    var invInputCast: FixedCast
    var invTable: UnsafePointer<Int64>
    var invIndexShift: Int
    var invIndexWidth: Int
    /// e · inv (F_acc + F_inv) → result_t (legacy: table_t → result_t).
    var resultCast: FixedCast
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
    case dense(DensePlan)
    case relu(FixedCast)
    case linear(FixedCast)
    case table(TablePlan)
    case softmax(SoftmaxPlan)
    case batchNorm(BatchNormPlan)
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
