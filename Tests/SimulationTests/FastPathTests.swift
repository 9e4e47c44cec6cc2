import XCTest
import FixedPoint
import ModelGraph
@testable import Simulation

/// The wrap shortcuts (16/32/64-bit lanes, taken without overflow counting) must equal the
/// cast-by-cast path on every row, including rows that overflow and wrap.
final class FastPathTests: XCTestCase {
    func graph(input: FixedPointType, weight: FixedPointType, accum: FixedPointType, result: FixedPointType) -> ModelGraph {
        var graph = SimulationBenchmark.jetTaggerGraph(seed: 99)
        graph.inputType = .fixed(input)
        for k in graph.layers.indices {
            if case .dense(var dense) = graph.layers[k].operation {
                dense.weightType = .fixed(weight)
                dense.biasType = .fixed(weight)
                dense.accumType = .fixed(accum)
                graph.layers[k].operation = .dense(dense)
            }
            if case .softmax = graph.layers[k].operation { continue }
            graph.layers[k].resultType = .fixed(result)
        }
        return graph
    }

    func inputs() -> [Double] {
        var x = SimulationBenchmark.inputs(samples: 400, seed: 5)
        for k in 0..<(x.count / 7) { x[k * 7] *= 8 } // force wraps
        return x
    }

    func check(_ graph: ModelGraph, modes: [DenseMode], expectOverflows: Bool = true,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let simulator = try Simulator(graph: graph)
        let actual: [DenseMode] = simulator.steps.compactMap {
            if case .dense(let plan) = $0.plan { return plan.pointee.mode } else { return nil }
        }
        XCTAssertEqual(actual, modes, "dense kernels chosen", file: file, line: line)
        let x = inputs()
        let fast = try simulator.run(x, options: SimulationOptions(countOverflows: false))
        let exact = try simulator.run(x, options: SimulationOptions(countOverflows: true, threads: 1))
        XCTAssertEqual(fast.outputs, exact.outputs, file: file, line: line)
        let overflows = exact.overflows!.reduce(0) { $0 + $1.accumulatorOverflows + $1.resultOverflows }
        if expectOverflows {
            XCTAssertGreaterThan(overflows, 0, "the inputs should make some values wrap", file: file, line: line)
        }
    }

    func testSixteenBitLanes() throws {
        // Both 16-bit variants occur in the benchmark model: fc1 has weights ≥ 0.5 (w·2^6 overflows 16 bits,
        // so high/low halves are combined), the later layers store pre-shifted weights.
        let benchmark = try Simulator(graph: SimulationBenchmark.jetTaggerGraph(seed: 99))
        let preshifted: [Bool] = benchmark.steps.compactMap {
            if case .dense(let plan) = $0.plan { return plan.pointee.preshifted } else { return nil }
        }
        XCTAssertEqual(preshifted, [false, true, true, true])
        let transposed: [Bool] = benchmark.steps.compactMap {
            if case .dense(let plan) = $0.plan { return plan.pointee.weightsTransposed16 != nil } else { return nil }
        }
        XCTAssertEqual(transposed, [false, false, false, true]) // 32 → 5: dot products per output
        try check(graph(input: .fixed(16, 6), weight: .fixed(16, 6), accum: .fixed(16, 6), result: .fixed(16, 6)),
                  modes: [.wrap16, .wrap16, .wrap16, .wrap16])
        try check(graph(input: .fixed(12, 4), weight: .fixed(8, 2), accum: .fixed(14, 5), result: .ufixed(10, 4)),
                  modes: [.wrap16, .wrap16, .wrap16, .wrap16])
    }

    func testThirtyTwoAndSixtyFourBitLanes() throws {
        try check(graph(input: .fixed(12, 4), weight: .fixed(12, 2), accum: .fixed(18, 8), result: .fixed(12, 4)),
                  modes: [.wrap32, .wrap32, .wrap32, .wrap32])
        try check(graph(input: .fixed(24, 8), weight: .fixed(20, 4), accum: .fixed(40, 14), result: .fixed(24, 8)),
                  modes: [.wrap64, .wrap64, .wrap64, .wrap64], expectOverflows: false)
    }

    func testUnsignedTypesStayExact() throws {
        // ufixed<16,4> values do not fit 16-bit signed lanes (products need 31 bits: 64-bit lanes); an unsigned WRAP accumulator
        // cannot use the sign-extending shortcut (→ cast by cast). Both must equal the exact path.
        try check(graph(input: .ufixed(16, 4), weight: .fixed(16, 6), accum: .fixed(16, 6), result: .ufixed(16, 4)),
                  modes: [.wrap64, .wrap64, .wrap64, .wrap64], expectOverflows: false)
        try check(graph(input: .fixed(16, 6), weight: .fixed(16, 6), accum: .ufixed(16, 6), result: .fixed(16, 6)),
                  modes: [.general, .general, .general, .general])
    }

    func testLargeProductShifts() throws {
        // accum_t with 2 fractional bits under products with 40: a 38-bit shift must not be masked to 6.
        try check(graph(input: .fixed(24, 4), weight: .fixed(24, 4), accum: .fixed(12, 10), result: .fixed(12, 10)),
                  modes: [.wrap64, .wrap64, .wrap64, .wrap64])
        // 29-bit products (32-bit lanes would do) but a 32-bit shift in the first layer: 64-bit lanes there.
        try check(graph(input: .fixed(16, 1), weight: .fixed(15, -2), accum: .fixed(8, 8), result: .fixed(12, 4)),
                  modes: [.wrap64, .wrap32, .wrap32, .wrap32], expectOverflows: false)
    }

    func testSaturatingAndRoundingTypesUseTheGeneralPath() throws {
        try check(graph(input: .fixed(16, 6, .rnd, .sat), weight: .fixed(16, 6), accum: .fixed(16, 6, .rndConv, .sat),
                        result: .fixed(12, 4, .rndConv, .satSym)), modes: [.general, .general, .general, .general])
    }

    func testInlinedOverflowCountsEqualTheGenericCasts() throws {
        // Resource order with R = 4 so that the counted wraps follow the firmware order.
        var graph = self.graph(input: .fixed(16, 6), weight: .fixed(16, 6), accum: .fixed(16, 6), result: .fixed(16, 6))
        graph.layers[0].strategy = .resource
        graph.layers[0].reuseFactor = 4
        let simulator = try Simulator(graph: graph)
        let x = inputs()
        let inlined = try simulator.run(x, options: SimulationOptions(countOverflows: true))
        var genericOptions = SimulationOptions(countOverflows: true)
        genericOptions.forceGenericCasts = true
        let generic = try simulator.run(x, options: genericOptions)
        XCTAssertEqual(inlined.outputs, generic.outputs)
        XCTAssertEqual(inlined.overflows, generic.overflows)
        XCTAssertGreaterThan(generic.overflows!.reduce(0) { $0 + $1.accumulatorOverflows }, 0)
    }

    func testWideLayersSpanSeveralMaskBlocks() throws {
        // n_in = 150 > 64: the 16-bit kernel walks three 64-input blocks; zeros and wraps included.
        var generator = SimulationBenchmark.Generator(state: 3)
        let n = 150, m = 7
        let weights = (0..<(n * m)).map { _ in Float(generator.uniform() * 0.7) }
        let biases = (0..<m).map { _ in Float(generator.uniform()) }
        let graph = ModelGraph(inputName: "x", inputSize: n, layers: [
            Layer(name: "fc", index: 2, operation: .dense(Dense(inputs: n, outputs: m, weights: weights, biases: biases)))])
        let simulator = try Simulator(graph: graph)
        var x = (0..<(n * 300)).map { _ in generator.uniform() * 12 }
        for k in stride(from: 0, to: x.count, by: 3) { x[k] = 0 }
        let fast = try simulator.run(x, options: SimulationOptions(countOverflows: false)).outputs
        let exact = try simulator.run(x, options: SimulationOptions(countOverflows: true))
        XCTAssertEqual(fast, exact.outputs)
        XCTAssertGreaterThan(exact.overflows![1].accumulatorOverflows, 0)
    }

    func testThreadCountDoesNotChangeResults() throws {
        let simulator = try Simulator(graph: SimulationBenchmark.jetTaggerGraph())
        let x = SimulationBenchmark.inputs(samples: 2000)
        XCTAssertEqual(try simulator.run(x, options: SimulationOptions(threads: 1)).outputs,
                       try simulator.run(x, options: SimulationOptions(threads: 4)).outputs)
    }
}
