import Foundation
import FixedPoint

/// Pointers handed to worker threads; each chunk writes only its own rows.
struct SharedBuffers: @unchecked Sendable {
    var inputs: UnsafePointer<Double>
    var outputs: UnsafeMutablePointer<Double>
    var logits: UnsafeMutablePointer<Double>?
    var trace: [UnsafeMutablePointer<Double>]
    /// `chunks × counters` overflow counts.
    var counts: UnsafeMutablePointer<Int>
}

extension Simulator {
    func run(buffer: UnsafeBufferPointer<Double>, samples: Int, options: SimulationOptions) -> SimulationResult {
        let outputSize = self.outputSize
        var outputs = [Double](repeating: 0, count: samples * outputSize)
        let logitsSize = softmaxStep.map { steps[$0].inputSize } ?? 0
        var logits = [Double](repeating: 0, count: options.keepLogits && softmaxStep != nil ? samples * logitsSize : 0)
        let traceBuffers: [UnsafeMutablePointer<Double>] = options.trace
            ? steps.map { UnsafeMutablePointer<Double>.allocate(capacity: max(samples * $0.outputSize, 1)) } : []
        defer { for pointer in traceBuffers { pointer.deallocate() } }
        let chunkSize = 512
        let chunks = (samples + chunkSize - 1) / chunkSize
        let counters = 2 * (steps.count + 1)
        var counts = [Int](repeating: 0, count: max(chunks, 1) * counters)
        let threads = options.threads > 0 ? options.threads : ProcessInfo.processInfo.activeProcessorCount

        outputs.withUnsafeMutableBufferPointer { outputsBuffer in
        logits.withUnsafeMutableBufferPointer { logitsBuffer in
        counts.withUnsafeMutableBufferPointer { countsBuffer in
            let shared = SharedBuffers(inputs: buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                       outputs: outputsBuffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!,
                                       logits: options.keepLogits && softmaxStep != nil ? logitsBuffer.baseAddress : nil,
                                       trace: traceBuffers, counts: countsBuffer.baseAddress!)
            let work: @Sendable (Int) -> Void = { chunk in
                let start = chunk * chunkSize
                let count = min(chunkSize, samples - start)
                self.runChunk(start: start, count: count, shared: shared, counts: shared.counts + chunk * counters, options: options)
            }
            let workers = min(threads, chunks)
            if workers <= 1 {
                for chunk in 0..<chunks { work(chunk) }
            } else if options.threads <= 0 {
                // Every core: GCD hands out chunks dynamically (balances when cores are shared).
                DispatchQueue.concurrentPerform(iterations: chunks, execute: work)
            } else {
                // `workers` threads, each taking every workers-th chunk (chunks are equal in cost).
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    for chunk in stride(from: worker, to: chunks, by: workers) { work(chunk) }
                }
            }
        }
        }
        }
        let trace: [[Double]] = zip(steps, traceBuffers).map { step, pointer in
            Array(UnsafeBufferPointer(start: pointer, count: samples * step.outputSize))
        }
        var overflows: [LayerOverflow]?
        if options.countOverflows {
            var total = [Int](repeating: 0, count: counters)
            for chunk in 0..<chunks { for k in 0..<counters { total[k] += counts[chunk * counters + k] } }
            var list = [LayerOverflow(layer: "input", index: 1, resultOverflows: total[0], resultCasts: samples * inputSize)]
            for (k, step) in steps.enumerated() {
                list.append(LayerOverflow(layer: step.name, index: step.index,
                                          resultOverflows: total[2 * (k + 1)], resultCasts: samples * step.outputSize,
                                          accumulatorOverflows: total[2 * (k + 1) + 1],
                                          accumulatorCasts: samples * step.accumulatorCastsPerSample))
            }
            overflows = list
        }
        return SimulationResult(samples: samples, outputSize: outputSize, outputs: outputs,
                                logits: options.keepLogits && softmaxStep != nil ? logits : nil,
                                trace: options.trace ? zip(steps, trace).map { (layer: $0.name, values: $1) } : nil,
                                overflows: overflows)
    }

    /// Runs samples `start..<start+count` through every layer, one sample at a time (all in L1).
    func runChunk(start: Int, count: Int, shared: SharedBuffers, counts: UnsafeMutablePointer<Int>, options: SimulationOptions) {
        let width = steps.reduce(inputSize) { max($0, $1.outputSize, $1.inputSize) }
        let a = UnsafeMutablePointer<Int64>.allocate(capacity: width)
        let b = UnsafeMutablePointer<Int64>.allocate(capacity: width)
        let accumulators = UnsafeMutablePointer<Int64>.allocate(capacity: width)
        let accumulators32 = UnsafeMutablePointer<Int32>.allocate(capacity: width)
        defer { a.deallocate(); b.deallocate(); accumulators.deallocate(); accumulators32.deallocate() }
        let counting = options.countOverflows
        let nIn = inputSize
        let outputScale = scalbn(1.0, -outputType.fractionalBits)
        // Per-step values copied out once, so the sample loop touches no reference-counted data.
        let stepCount = steps.count
        let plans = UnsafeMutablePointer<Plan>.allocate(capacity: max(stepCount, 1))
        let sizes = UnsafeMutablePointer<(input: Int, output: Int, inputF: Int, outputF: Int)>.allocate(capacity: max(stepCount, 1))
        defer { plans.deallocate(); sizes.deallocate() }
        for k in 0..<stepCount {
            plans.advanced(by: k).initialize(to: steps[k].plan)
            sizes[k] = (steps[k].inputSize, steps[k].outputSize, steps[k].inputType.fractionalBits, steps[k].outputType.fractionalBits)
        }
        let accumulators16 = UnsafeMutablePointer<UInt16>.allocate(capacity: width)
        let broadcast16 = UnsafeMutablePointer<Int16>.allocate(capacity: 4 * width)
        defer { accumulators16.deallocate(); broadcast16.deallocate() }
        let logitsStep = shared.logits == nil ? -1 : (softmaxStep ?? -1)
        let tracing = !shared.trace.isEmpty
        let roundToFloat = options.roundInputsToFloat32
        let inputCast = self.inputCast
        // The default input_t (TRN/WRAP, signed): floor(d·2^F) then wrap, inlined; d·2^F is exact
        // for finite values in range (a power-of-two scaling with a normal result).
        let inputTruncateWrap = inputCast.cast.isTruncateWrap && inputCast.type.isSigned
        let inputScale = inputCast.scale
        let inputUnused = Int64(inputCast.cast.unused)
        for sample in start..<(start + count) {
            var current = a, next = b
            let row = shared.inputs + sample * nIn
            var inputOverflows = 0
            for f in 0..<nIn {
                var value = row[f]
                if roundToFloat { value = Double(Float(value)) }
                let scaled = value * inputScale
                if inputTruncateWrap && scaled.magnitude < 4.0e18 && (scaled.magnitude >= 1.0e-300 || value == 0) {
                    let floored = Int64(scaled.rounded(.down))
                    let wrapped = (floored &<< inputUnused) &>> inputUnused
                    inputOverflows &+= wrapped != floored ? 1 : 0
                    current[f] = wrapped
                } else {
                    var flag = false
                    current[f] = inputCast.apply(value, overflowed: &flag)
                    if flag { inputOverflows &+= 1 }
                }
            }
            counts[0] &+= inputOverflows
            for k in 0..<stepCount {
                let size = sizes[k]
                if k == logitsStep, let logits = shared.logits {
                    let scale = scalbn(1.0, -size.inputF)
                    let out = logits + sample * size.input
                    for i in 0..<size.input { out[i] = Double(current[i]) * scale }
                }
                var resultCount = 0, accumulatorCount = 0
                switch plans[k] {
                case .dense(let plan):
                    switch plan.pointee.mode {
                    case .wide128: Self.denseWide(plan, current, next, &resultCount, &accumulatorCount)
                    case .wrap16 where !counting: Self.denseWrap16(plan, current, next, accumulators16, broadcast16, &resultCount)
                    case .wrap32 where !counting: Self.denseWrap32(plan, current, next, accumulators32, &resultCount)
                    case .wrap64 where !counting: Self.denseWrap64(plan, current, next, accumulators, &resultCount)
                    default: Self.denseGeneral(plan, current, next, accumulators, accumulators32, &resultCount, &accumulatorCount,
                                               generic: options.forceGenericCasts)
                    }
                case .relu(let cast):
                    // relu(x) = res_T(max(x, 0)) since every cast maps 0 to 0; branch-free on the TRN/WRAP path.
                    if cast.fast {
                        Self.castTruncateWrap(cast, current, next, size.input, clampNegative: true, &resultCount)
                    } else {
                        for i in 0..<size.input { next[i] = cast.apply(max(current[i], 0), count: &resultCount) }
                    }
                case .linear(let cast):
                    if cast.fast {
                        Self.castTruncateWrap(cast, current, next, size.input, clampNegative: false, &resultCount)
                    } else {
                        for i in 0..<size.input { next[i] = cast.apply(current[i], count: &resultCount) }
                    }
                case .table(let plan):
                    Self.tableLookup(plan.pointee, size.input, current, next, &resultCount)
                case .softmax(let plan):
                    Self.softmax(plan, current, next, accumulators, &resultCount, &accumulatorCount)
                case .batchNorm(let pointer):
                    let plan = pointer.pointee
                    for i in 0..<size.input {
                        let product = FixedRaw(current[i]) * FixedRaw(plan.scale[i])
                        let sum = FixedPointType.add(product, fractionalBits: plan.productFractionalBits,
                                                     FixedRaw(plan.bias[i]), fractionalBits: plan.biasFractionalBits)
                        let conversion = plan.resultType.convert(raw: sum, fractionalBits: max(plan.productFractionalBits, plan.biasFractionalBits))
                        if conversion.overflowed { resultCount += 1 }
                        next[i] = Int64(conversion.raw)
                    }
                }
                counts[2 * (k + 1)] &+= resultCount
                counts[2 * (k + 1) + 1] &+= accumulatorCount
                if tracing {
                    let scale = scalbn(1.0, -size.outputF)
                    let out = shared.trace[k] + sample * size.output
                    for i in 0..<size.output { out[i] = Double(next[i]) * scale }
                }
                swap(&current, &next)
            }
            let out = shared.outputs + sample * outputSize
            for i in 0..<outputSize { out[i] = Double(current[i]) * outputScale }
        }
    }

    /// A TRN/WRAP cast over a vector (optionally of max(x, 0)), counting values that wrapped.
    @inline(__always)
    static func castTruncateWrap(_ cast: QuickCast, _ x: UnsafeMutablePointer<Int64>, _ y: UnsafeMutablePointer<Int64>, _ n: Int,
                                 clampNegative: Bool, _ count: inout Int) {
        if cast.identity {
            if clampNegative {
                for i in 0..<n { y[i] = max(x[i], 0) }
            } else if x != y {
                for i in 0..<n { y[i] = x[i] }
            }
            return
        }
        let shift = cast.shift, unused = cast.unused
        var wrapped = 0
        if cast.signed {
            for i in 0..<n {
                let value = clampNegative ? max(x[i], 0) : x[i]
                let aligned = value &>> shift
                let result = (aligned &<< unused) &>> unused
                wrapped &+= result != aligned ? 1 : 0
                y[i] = result
            }
        } else {
            let mask = Int64(bitPattern: UInt64.max &>> UInt64(unused))
            for i in 0..<n {
                let value = clampNegative ? max(x[i], 0) : x[i]
                let aligned = value &>> shift
                let result = aligned & mask
                wrapped &+= result != aligned ? 1 : 0
                y[i] = result
            }
        }
        count &+= wrapped
    }

    /// Every cast in order: bias, then per input (in `order`) the product cast and the sum cast.
    @inline(__always)
    static func denseGeneral(_ pointer: UnsafePointer<DensePlan>, _ x: UnsafeMutablePointer<Int64>, _ y: UnsafeMutablePointer<Int64>,
                             _ acc: UnsafeMutablePointer<Int64>, _ acc32: UnsafeMutablePointer<Int32>,
                             _ resultCount: inout Int, _ accumulatorCount: inout Int, generic: Bool) {
        let plan = pointer.pointee
        let nOut = plan.nOut
        for j in 0..<nOut { acc[j] = plan.biasAccum[j] }
        accumulatorCount += plan.biasOverflows
        let productCast = plan.productCast, sumCast = plan.sumCast
        if !generic, plan.mode != .general, plan.productShift >= 0, plan.productShift < 64, sumCast.target.isSigned {
            // TRN/WRAP product casts into a signed WRAP accumulator, inlined: floor, wrap, add, wrap,
            // counting each wrap, in the firmware's order (the number of wraps depends on it).
            if plan.mode == .wrap16 || plan.mode == .wrap32 {
                // Products, partial sums and their wraps all fit 32-bit lanes (vectorizable).
                let shift = Int32(plan.productShift), unused = Int32(plan.accumUnused - 32)
                var wraps: Int32 = 0
                for j in 0..<nOut { acc32[j] = Int32(truncatingIfNeeded: acc[j]) }
                for position in 0..<plan.nIn {
                    let i = plan.order[position]
                    let xi = Int32(truncatingIfNeeded: x[i])
                    if xi == 0 { continue }
                    let row = plan.weights32 + i * nOut
                    for j in 0..<nOut {
                        let aligned = (xi &* row[j]) &>> shift
                        let product = (aligned &<< unused) &>> unused
                        let sum = acc32[j] &+ product
                        let wrapped = (sum &<< unused) &>> unused
                        wraps &+= (product != aligned ? 1 : 0) &+ (wrapped != sum ? 1 : 0)
                        acc32[j] = wrapped
                    }
                }
                accumulatorCount += Int(wraps)
                for j in 0..<nOut { y[j] = Int64(acc32[j]) }
                finishResult(plan.resultCast, y, nOut, &resultCount)
                return
            }
            let shift = Int64(plan.productShift), unused = Int64(plan.accumUnused)
            var wraps = 0
            for position in 0..<plan.nIn {
                let i = plan.order[position]
                let xi = x[i]
                if xi == 0 { continue } // adds 0: nothing changes, nothing wraps
                let row = plan.weights + i * nOut
                for j in 0..<nOut {
                    let aligned = (xi &* row[j]) &>> shift
                    let product = (aligned &<< unused) &>> unused
                    let sum = acc[j] &+ product
                    let wrapped = (sum &<< unused) &>> unused
                    wraps &+= (product != aligned ? 1 : 0) &+ (wrapped != sum ? 1 : 0)
                    acc[j] = wrapped
                }
            }
            accumulatorCount += wraps
            finishResult(plan.resultCast, acc, nOut, &resultCount)
            for j in 0..<nOut { y[j] = acc[j] }
            return
        }
        for position in 0..<plan.nIn {
            let i = plan.order[position]
            let xi = x[i]
            let row = plan.weights + i * nOut
            for j in 0..<nOut {
                let product = productCast.apply(xi &* row[j], count: &accumulatorCount)
                acc[j] = sumCast.fit(acc[j] &+ product, count: &accumulatorCount)
            }
        }
        let resultCast = plan.resultCast
        for j in 0..<nOut { y[j] = resultCast.apply(acc[j], count: &resultCount) }
    }

    /// Every cast on 128-bit raw values with the general conversion rule (wide accumulators).
    static func denseWide(_ pointer: UnsafePointer<DensePlan>, _ x: UnsafeMutablePointer<Int64>, _ y: UnsafeMutablePointer<Int64>,
                          _ resultCount: inout Int, _ accumulatorCount: inout Int) {
        let plan = pointer.pointee
        guard let wide = plan.wide?.pointee else { return }
        let nOut = plan.nOut
        let accum = wide.accumType
        let accumF = accum.fractionalBits
        withUnsafeTemporaryAllocation(of: FixedRaw.self, capacity: nOut) { acc in
            for j in 0..<nOut {
                let conversion = accum.convert(raw: wide.biases[j], fractionalBits: wide.biasFractionalBits)
                if conversion.overflowed { accumulatorCount += 1 }
                acc[j] = conversion.raw
            }
            for position in 0..<plan.nIn {
                let i = plan.order[position]
                let xi = FixedRaw(x[i])
                let row = wide.weights + i * nOut
                for j in 0..<nOut {
                    let product = accum.convert(raw: xi * row[j], fractionalBits: wide.productFractionalBits)
                    let sum = accum.convert(raw: acc[j] + product.raw, fractionalBits: accumF)
                    accumulatorCount += (product.overflowed ? 1 : 0) + (sum.overflowed ? 1 : 0)
                    acc[j] = sum.raw
                }
            }
            for j in 0..<nOut {
                let conversion = wide.resultType.convert(raw: acc[j], fractionalBits: accumF)
                if conversion.overflowed { resultCount += 1 }
                y[j] = Int64(truncatingIfNeeded: conversion.raw)
            }
        }
    }

    /// WRAP accumulators on 32-bit lanes: Σ floor(x·w / 2^sh) + bias, wrapped once.
    @inline(__always)
    static func denseWrap32(_ pointer: UnsafePointer<DensePlan>, _ x: UnsafeMutablePointer<Int64>, _ y: UnsafeMutablePointer<Int64>,
                            _ acc: UnsafeMutablePointer<Int32>, _ resultCount: inout Int) {
        let plan = pointer.pointee
        let nOut = plan.nOut
        let bias = plan.biasAccum32
        for j in 0..<nOut { acc[j] = bias[j] }
        let shift = Int32(truncatingIfNeeded: plan.productShift)
        if shift >= 0 {
            for i in 0..<plan.nIn {
                let xi = Int32(truncatingIfNeeded: x[i])
                if xi == 0 { continue }
                let row = plan.weights32 + i * nOut
                for j in 0..<nOut { acc[j] &+= (xi &* row[j]) &>> shift }
            }
        } else {
            let left = -shift
            for i in 0..<plan.nIn {
                let xi = Int32(truncatingIfNeeded: x[i])
                if xi == 0 { continue }
                let row = plan.weights32 + i * nOut
                for j in 0..<nOut { acc[j] &+= (xi &* row[j]) &<< left }
            }
        }
        let unused = Int64(plan.accumUnused)
        for j in 0..<nOut { y[j] = (Int64(acc[j]) &<< unused) &>> unused }
        finishResult(plan.resultCast, y, nOut, &resultCount)
    }

    /// The wrap shortcut on 16-bit lanes: p = x·w = hi·2^16 + lo, floor(p/2^sh) = hi·2^(16−sh) + (lo >> sh) mod 2^16.
    @inline(__always)
    static func denseWrap16(_ pointer: UnsafePointer<DensePlan>, _ x: UnsafeMutablePointer<Int64>, _ y: UnsafeMutablePointer<Int64>,
                            _ acc: UnsafeMutablePointer<UInt16>, _ broadcast: UnsafeMutablePointer<Int16>,
                            _ resultCount: inout Int) {
        let plan = pointer.pointee
        let nOut = plan.nOut
        let bias = plan.biasAccum16
        if let transposed = plan.weightsTransposed16 {
            // Few outputs: one dot product per output over all inputs (zeros included), on 16-bit lanes.
            let nIn = plan.nIn
            for i in 0..<nIn { broadcast[i] = Int16(truncatingIfNeeded: x[i]) }
            let unused = Int64(plan.accumUnused)
            for j in 0..<nOut {
                let row = transposed + j * nIn
                var sum = UInt16(bitPattern: bias[j])
                for i in 0..<nIn { sum &+= UInt16(truncatingIfNeeded: (Int32(broadcast[i]) &* Int32(row[i])) &>> 16) }
                y[j] = (Int64(Int16(bitPattern: sum)) &<< unused) &>> unused
            }
            finishResult(plan.resultCast, y, nOut, &resultCount)
            return
        }
        for j in 0..<nOut { acc[j] = UInt16(bitPattern: bias[j]) }
        // Four non-zero inputs per pass over the outputs (one load/store of each accumulator per four
        // products). After a ReLU about half the inputs are zero: they are skipped via a bit mask; a
        // missing fourth input is padded with x = 0, which adds nothing.
        let b0 = broadcast, b1 = broadcast + nOut, b2 = broadcast + 2 * nOut, b3 = broadcast + 3 * nOut
        let preshifted = plan.preshifted
        var base = 0
        while base < plan.nIn {
            let block = min(64, plan.nIn - base)
            var mask: UInt64 = 0
            for bit in 0..<block {
                // 1 when x ≠ 0, computed without a branch (the sign bit of v | −v).
                let v = UInt64(bitPattern: x[base + bit])
                mask |= ((v | (0 &- v)) &>> 63) &<< UInt64(bit)
            }
            while mask != 0 {
                var inputs: (Int16, Int16, Int16, Int16) = (0, 0, 0, 0)
                var rows: (Int, Int, Int, Int) = (0, 0, 0, 0)
                @inline(__always) func take() -> (Int16, Int) {
                    if mask == 0 { return (0, 0) }
                    let i = base + mask.trailingZeroBitCount
                    mask &= mask &- 1
                    return (Int16(truncatingIfNeeded: x[i]), i * nOut)
                }
                (inputs.0, rows.0) = take()
                (inputs.1, rows.1) = take()
                (inputs.2, rows.2) = take()
                (inputs.3, rows.3) = take()
                // x is broadcast through memory: with vector loads LLVM recognizes the 16-bit
                // multiply-high / multiply-low patterns (pmulhw / pmullw) instead of 32-bit products.
                for j in 0..<nOut { b0[j] = inputs.0; b1[j] = inputs.1; b2[j] = inputs.2; b3[j] = inputs.3 }
                let r0 = plan.weights16 + rows.0, r1 = plan.weights16 + rows.1
                let r2 = plan.weights16 + rows.2, r3 = plan.weights16 + rows.3
                if preshifted {
                    // w·2^(16−sh): the high half alone is floor(x·w / 2^sh).
                    for j in 0..<nOut {
                        let p0 = UInt16(truncatingIfNeeded: (Int32(b0[j]) &* Int32(r0[j])) &>> 16)
                        let p1 = UInt16(truncatingIfNeeded: (Int32(b1[j]) &* Int32(r1[j])) &>> 16)
                        let p2 = UInt16(truncatingIfNeeded: (Int32(b2[j]) &* Int32(r2[j])) &>> 16)
                        let p3 = UInt16(truncatingIfNeeded: (Int32(b3[j]) &* Int32(r3[j])) &>> 16)
                        acc[j] &+= (p0 &+ p1) &+ (p2 &+ p3)
                    }
                } else {
                    // w = w_lo + w_hi·2^sh: floor(x·w / 2^sh) = highHalf(x · w_lo·2^(16−sh)) + x·w_hi (pmulhw + pmullw).
                    let h0 = plan.weightsHigh16 + rows.0, h1 = plan.weightsHigh16 + rows.1
                    let h2 = plan.weightsHigh16 + rows.2, h3 = plan.weightsHigh16 + rows.3
                    @inline(__always) func term(_ input: Int16, _ low: Int16, _ high: Int16) -> UInt16 {
                        UInt16(truncatingIfNeeded: (Int32(input) &* Int32(low)) &>> 16) &+ UInt16(bitPattern: input &* high)
                    }
                    for j in 0..<nOut {
                        acc[j] &+= (term(b0[j], r0[j], h0[j]) &+ term(b1[j], r1[j], h1[j]))
                            &+ (term(b2[j], r2[j], h2[j]) &+ term(b3[j], r3[j], h3[j]))
                    }
                }
            }
            base += 64
        }
        let unused = Int64(plan.accumUnused)
        for j in 0..<nOut { y[j] = (Int64(Int16(bitPattern: acc[j])) &<< unused) &>> unused }
        finishResult(plan.resultCast, y, nOut, &resultCount)
    }

    /// The same wrap shortcut on 64-bit lanes.
    @inline(__always)
    static func denseWrap64(_ pointer: UnsafePointer<DensePlan>, _ x: UnsafeMutablePointer<Int64>, _ y: UnsafeMutablePointer<Int64>,
                            _ acc: UnsafeMutablePointer<Int64>, _ resultCount: inout Int) {
        let plan = pointer.pointee
        let nOut = plan.nOut
        for j in 0..<nOut { acc[j] = plan.biasAccum[j] }
        let shift = Int64(plan.productShift)
        if shift >= 0 {
            for i in 0..<plan.nIn {
                let xi = x[i]
                if xi == 0 { continue }
                let row = plan.weights + i * nOut
                for j in 0..<nOut { acc[j] &+= (xi &* row[j]) &>> shift }
            }
        } else {
            let left = -shift
            for i in 0..<plan.nIn {
                let xi = x[i]
                if xi == 0 { continue }
                let row = plan.weights + i * nOut
                for j in 0..<nOut { acc[j] &+= (xi &* row[j]) &<< left }
            }
        }
        let unused = Int64(plan.accumUnused)
        for j in 0..<nOut { y[j] = (acc[j] &<< unused) &>> unused }
        finishResult(plan.resultCast, y, nOut, &resultCount)
    }

    /// accum_t → result_t in place.
    @inline(__always)
    static func finishResult(_ cast: QuickCast, _ y: UnsafeMutablePointer<Int64>, _ n: Int, _ count: inout Int) {
        if cast.fast {
            castTruncateWrap(cast, y, y, n, clampNegative: false, &count)
        } else {
            for j in 0..<n { y[j] = cast.apply(y[j], count: &count) }
        }
    }

    /// Sigmoid/tanh: idx = trunc0(x·N/divisor) + N/2, clamped; output res_T(table[idx]).
    static func tableLookup(_ plan: TablePlan, _ n: Int, _ x: UnsafeMutablePointer<Int64>, _ y: UnsafeMutablePointer<Int64>,
                            _ resultCount: inout Int) {
        let size = plan.size
        for i in 0..<n {
            let numerator = FixedRaw(x[i]) * FixedRaw(size)
            let quotient: FixedRaw
            if plan.inputFractionalBits >= 0 {
                quotient = numerator / (FixedRaw(plan.divisor) << plan.inputFractionalBits)
            } else {
                quotient = (numerator << -plan.inputFractionalBits) / FixedRaw(plan.divisor)
            }
            var index = quotient + FixedRaw(size / 2)
            if index < 0 { index = 0 }
            if index > FixedRaw(size - 1) { index = FixedRaw(size - 1) }
            y[i] = plan.resultCast.apply(plan.table[Int(index)], count: &resultCount)
        }
    }

    /// Top bits of a W-bit two's-complement pattern.
    @inline(__always)
    static func topBits(_ raw: Int64, width: Int, shift: Int) -> Int {
        let pattern = UInt64(bitPattern: raw) & (width >= 64 ? ~0 : (1 << UInt64(width)) - 1)
        return shift >= 0 ? Int(pattern >> UInt64(shift)) : Int(pattern << UInt64(-shift))
    }

    /// hls4ml's balanced `reduce` with a cast after every addition.
    @inline(__always)
    static func reduceSum(_ values: UnsafeMutablePointer<Int64>, _ n: Int, _ cast: QuickCast, _ count: inout Int) -> Int64 {
        if n == 1 { return values[0] }
        if n == 2 { return cast.apply(values[0] &+ values[1], count: &count) }
        let left = 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount) // 2^floor(log2(n − 1))
        let a = reduceSum(values, left, cast, &count)
        let b = reduceSum(values + left, n - left, cast, &count)
        return cast.apply(a &+ b, count: &count)
    }

    static func softmax(_ pointer: UnsafePointer<SoftmaxPlan>, _ x: UnsafeMutablePointer<Int64>, _ y: UnsafeMutablePointer<Int64>,
                        _ scratch: UnsafeMutablePointer<Int64>, _ resultCount: inout Int, _ accumulatorCount: inout Int) {
        let plan = pointer.pointee
        let n = plan.size
        switch plan.kind {
        case .argmax:
            var best = 0
            for i in 1..<max(n, 1) where x[i] > x[best] { best = i }
            for i in 0..<n { y[i] = i == best ? plan.oneRaw : 0 }
        case .stable, .latency:
            if plan.kind == .stable {
                var maximum = x[0]
                for i in 1..<max(n, 1) where x[i] >= maximum { maximum = x[i] }
                for i in 0..<n {
                    let difference = plan.normCast.apply(maximum &- x[i], count: &accumulatorCount)
                    let index = topBits(difference, width: plan.expIndexWidth, shift: plan.expIndexShift)
                    scratch[i] = plan.expToAccum.apply(plan.expTable[index], count: &accumulatorCount)
                }
            } else {
                for i in 0..<n {
                    let index = topBits(x[i], width: plan.expIndexWidth, shift: plan.expIndexShift)
                    scratch[i] = plan.expToAccum.apply(plan.expTable[index], count: &accumulatorCount)
                }
            }
            let sum = reduceSum(scratch, n, plan.sumCast, &accumulatorCount)
            let invInput = plan.invInputCast.apply(sum, count: &accumulatorCount)
            let inverse = plan.invTable[topBits(invInput, width: plan.invIndexWidth, shift: plan.invIndexShift)]
            for i in 0..<n { y[i] = plan.resultCast.apply(scratch[i] &* inverse, count: &resultCount) }
        case .legacy:
            let size = plan.tableSize
            let f = plan.inputFractionalBits
            func index(_ value: FixedRaw, fractionalBits: Int, divisor: Int) -> Int {
                let numerator = value * FixedRaw(size)
                let quotient = fractionalBits >= 0 ? numerator / (FixedRaw(divisor) << fractionalBits)
                                                   : (numerator << -fractionalBits) / FixedRaw(divisor)
                return Int(min(max(quotient, 0), FixedRaw(size - 1)))
            }
            for i in 0..<n {
                var sum: Int64 = 0
                for j in 0..<n {
                    let term: Int64
                    if j == i {
                        term = plan.legacyOne
                    } else {
                        let numerator = (FixedRaw(x[j]) - FixedRaw(x[i])) * FixedRaw(size)
                        let quotient = f >= 0 ? numerator / (FixedRaw(16) << f) : (numerator << -f) / 16
                        let k = Int(min(max(quotient + FixedRaw(size / 2), 0), FixedRaw(size - 1)))
                        term = plan.expTable[k]
                    }
                    sum = plan.legacySumCast.apply(sum &+ term, count: &accumulatorCount)
                }
                let k = index(FixedRaw(sum), fractionalBits: plan.legacyTableFractionalBits, divisor: 64)
                y[i] = plan.resultCast.apply(plan.invTable[k], count: &resultCount)
            }
        }
    }
}

extension FixedCast {
    /// The overflow step alone, counting.
    @inline(__always)
    func fit(_ value: Int64, count: inout Int) -> Int64 {
        var flag = false
        let result = fit(value, overflowed: &flag)
        if flag { count &+= 1 }
        return result
    }
}
