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
            if threads <= 1 || chunks <= 1 {
                for chunk in 0..<chunks { work(chunk) }
            } else {
                DispatchQueue.concurrentPerform(iterations: chunks, execute: work)
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
        for sample in start..<(start + count) {
            var current = a, next = b
            let row = shared.inputs + sample * nIn
            var inputOverflows = 0
            for f in 0..<nIn {
                var value = row[f]
                if options.roundInputsToFloat32 { value = Double(Float(value)) }
                var flag = false
                current[f] = inputCast.apply(value, overflowed: &flag)
                if flag { inputOverflows += 1 }
            }
            counts[0] += inputOverflows
            for k in 0..<steps.count {
                let step = steps[k]
                if k == softmaxStep, let logits = shared.logits {
                    let scale = scalbn(1.0, -step.inputType.fractionalBits)
                    let out = logits + sample * step.inputSize
                    for i in 0..<step.inputSize { out[i] = Double(current[i]) * scale }
                }
                var resultCount = 0, accumulatorCount = 0
                switch step.plan {
                case .dense(let plan):
                    if !counting && plan.mode == .wrap32 {
                        Self.denseWrap32(plan, current, next, accumulators32, &resultCount)
                    } else if !counting && plan.mode != .general {
                        Self.denseWrap64(plan, current, next, accumulators, &resultCount)
                    } else {
                        Self.denseGeneral(plan, current, next, accumulators, &resultCount, &accumulatorCount)
                    }
                case .relu(let cast):
                    for i in 0..<step.inputSize {
                        let x = current[i]
                        next[i] = x > 0 ? cast.apply(x, count: &resultCount) : 0
                    }
                case .linear(let cast):
                    for i in 0..<step.inputSize { next[i] = cast.apply(current[i], count: &resultCount) }
                case .table(let plan):
                    Self.tableLookup(plan, step.inputSize, current, next, &resultCount)
                case .softmax(let plan):
                    Self.softmax(plan, current, next, accumulators, &resultCount, &accumulatorCount)
                case .batchNorm(let plan):
                    for i in 0..<step.inputSize {
                        let product = FixedRaw(current[i]) * FixedRaw(plan.scale[i])
                        let sum = FixedPointType.add(product, fractionalBits: plan.productFractionalBits,
                                                     FixedRaw(plan.bias[i]), fractionalBits: plan.biasFractionalBits)
                        let conversion = plan.resultType.convert(raw: sum, fractionalBits: max(plan.productFractionalBits, plan.biasFractionalBits))
                        if conversion.overflowed { resultCount += 1 }
                        next[i] = Int64(conversion.raw)
                    }
                }
                counts[2 * (k + 1)] += resultCount
                counts[2 * (k + 1) + 1] += accumulatorCount
                if !shared.trace.isEmpty {
                    let scale = scalbn(1.0, -step.outputType.fractionalBits)
                    let out = shared.trace[k] + sample * step.outputSize
                    for i in 0..<step.outputSize { out[i] = Double(next[i]) * scale }
                }
                swap(&current, &next)
            }
            let out = shared.outputs + sample * outputSize
            for i in 0..<outputSize { out[i] = Double(current[i]) * outputScale }
        }
    }

    /// Every cast in order: bias, then per input (in `order`) the product cast and the sum cast.
    @inline(__always)
    static func denseGeneral(_ plan: DensePlan, _ x: UnsafeMutablePointer<Int64>, _ y: UnsafeMutablePointer<Int64>,
                             _ acc: UnsafeMutablePointer<Int64>, _ resultCount: inout Int, _ accumulatorCount: inout Int) {
        let nOut = plan.nOut
        for j in 0..<nOut { acc[j] = plan.biasAccum[j] }
        accumulatorCount += plan.biasOverflows
        let productCast = plan.productCast, sumCast = plan.sumCast
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

    /// WRAP accumulators on 32-bit lanes: Σ floor(x·w / 2^sh) + bias, wrapped once.
    @inline(__always)
    static func denseWrap32(_ plan: DensePlan, _ x: UnsafeMutablePointer<Int64>, _ y: UnsafeMutablePointer<Int64>,
                            _ acc: UnsafeMutablePointer<Int32>, _ resultCount: inout Int) {
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
        let resultCast = plan.resultCast
        for j in 0..<nOut {
            let wrapped = (Int64(acc[j]) &<< unused) &>> unused
            y[j] = resultCast.apply(wrapped, count: &resultCount)
        }
    }

    /// The same wrap shortcut on 64-bit lanes.
    @inline(__always)
    static func denseWrap64(_ plan: DensePlan, _ x: UnsafeMutablePointer<Int64>, _ y: UnsafeMutablePointer<Int64>,
                            _ acc: UnsafeMutablePointer<Int64>, _ resultCount: inout Int) {
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
        let resultCast = plan.resultCast
        for j in 0..<nOut {
            let wrapped = (acc[j] &<< unused) &>> unused
            y[j] = resultCast.apply(wrapped, count: &resultCount)
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
    static func reduceSum(_ values: UnsafeMutablePointer<Int64>, _ n: Int, _ cast: FixedCast, _ count: inout Int) -> Int64 {
        if n == 1 { return values[0] }
        if n == 2 { return cast.apply(values[0] &+ values[1], count: &count) }
        let left = 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount) // 2^floor(log2(n − 1))
        let a = reduceSum(values, left, cast, &count)
        let b = reduceSum(values + left, n - left, cast, &count)
        return cast.apply(a &+ b, count: &count)
    }

    static func softmax(_ plan: SoftmaxPlan, _ x: UnsafeMutablePointer<Int64>, _ y: UnsafeMutablePointer<Int64>,
                        _ scratch: UnsafeMutablePointer<Int64>, _ resultCount: inout Int, _ accumulatorCount: inout Int) {
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
