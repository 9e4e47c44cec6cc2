import XCTest
import FixedPoint
import ModelGraph
@testable import Simulation

/// Random types and shapes: every kernel the compiler picks (16/32/64-bit wrap lanes, transposed dot
/// products, inlined counting, 128-bit) must give the outputs and overflow counts of the plain
/// cast-by-cast path built on `FixedCast` (which the vendor proof checks against ap_types).
final class FuzzTests: XCTestCase {
    func randomType(_ g: inout SimulationBenchmark.Generator, maxWidth: Int, wrapBias: Bool,
                    negativeF: Bool = false) -> FixedPointType {
        let signed = g.next() % 5 != 0
        let width = Int(g.next() % UInt64(maxWidth - 5)) + 6
        // Mostly ordinary integer bits; sometimes I ≥ W (negative F: large product shifts).
        let integer = negativeF && g.next() % 4 == 0 ? width + Int(g.next() % 6) : Int(g.next() % UInt64(min(width, 10))) + 1
        let trnWrap = wrapBias && g.next() % 3 != 0
        let q = trnWrap ? QuantizationMode.trn : QuantizationMode.allCases[Int(g.next() % 7)]
        let o = trnWrap ? OverflowMode.wrap : OverflowMode.allCases[Int(g.next() % 4)]
        return FixedPointType(width: width, integer: integer, isSigned: signed, quantization: q, overflow: o)
    }

    func testRandomNetworksAllKernelsAgree() throws {
        var g = SimulationBenchmark.Generator(state: 2027)
        var modesSeen = Set<String>()
        var simulated = 0, varied = 0, overflowing = 0
        for network in 0..<80 {
            let sizes = [[3, 9, 2], [17, 33, 5], [70, 12, 7], [16, 64, 5]][network % 4]
            let wide = network % 10 == 9
            let maxWidth = wide ? 40 : (network % 3 == 0 ? 16 : 24)
            var layers: [Layer] = []
            for k in 0..<(sizes.count - 1) {
                let n = sizes[k], m = sizes[k + 1]
                let weightType = randomType(&g, maxWidth: maxWidth, wrapBias: true)
                let dense = Dense(inputs: n, outputs: m, weights: (0..<(n * m)).map { _ in Float(g.uniform() * 1.5) },
                                  biases: (0..<m).map { _ in Float(g.uniform()) },
                                  weightType: .fixed(weightType), biasType: .fixed(randomType(&g, maxWidth: maxWidth, wrapBias: true)),
                                  accumType: .fixed(randomType(&g, maxWidth: wide ? 64 : 20, wrapBias: true, negativeF: true)))
                layers.append(Layer(name: "fc\(k)", index: 2 * k + 2, operation: .dense(dense),
                                    resultType: .fixed(randomType(&g, maxWidth: maxWidth, wrapBias: true)),
                                    reuseFactor: [1, 2, 3, 64][Int(g.next() % 4)], strategy: g.next() % 2 == 0 ? .latency : .resource))
                if k < sizes.count - 2 {
                    layers.append(Layer(name: "act\(k)", index: 2 * k + 3,
                                        operation: .activation(Activation(function: g.next() % 3 == 0 ? .linear : .relu, size: m)),
                                        resultType: .fixed(randomType(&g, maxWidth: maxWidth, wrapBias: true))))
                }
            }
            let graph = ModelGraph(inputName: "x", inputSize: sizes[0],
                                   inputType: .fixed(randomType(&g, maxWidth: maxWidth, wrapBias: true)), layers: layers)
            let simulator: Simulator
            do { simulator = try Simulator(graph: graph) } catch { continue } // a type too wide for alignment: a UserError, fine
            for step in simulator.steps { if case .dense(let plan) = step.plan {
                modesSeen.insert("\(plan.pointee.mode)\(plan.pointee.weightsTransposed16 != nil ? "-transposed" : "")")
            } }
            simulated += 1
            let x = (0..<(sizes[0] * 60)).map { k in k % 5 == 0 ? 0 : g.uniform() * 12 }
            let fast = try simulator.run(x, options: SimulationOptions(countOverflows: false))
            let counted = try simulator.run(x, options: SimulationOptions(countOverflows: true))
            var genericOptions = SimulationOptions(countOverflows: true)
            genericOptions.forceGenericCasts = true
            let generic = try simulator.run(x, options: genericOptions)
            if Set(generic.outputs).count > 5 { varied += 1 }
            if generic.overflows!.contains(where: { $0.accumulatorOverflows + $0.resultOverflows > 0 }) { overflowing += 1 }
            XCTAssertEqual(fast.outputs, generic.outputs, "network \(network): fast kernels")
            XCTAssertEqual(counted.outputs, generic.outputs, "network \(network): counting kernels")
            XCTAssertEqual(counted.overflows, generic.overflows, "network \(network): overflow counts")
        }
        XCTAssertGreaterThan(simulated, 60, "most random networks must compile")
        XCTAssertGreaterThan(overflowing, 20, "many random networks must overflow somewhere")
        XCTAssertGreaterThan(varied, 50, "most random networks must produce varied outputs (not all saturated or zero)")
        print("fuzz: \(simulated) networks (\(varied) with varied outputs, \(overflowing) overflowing), kernels \(modesSeen.sorted())")
        // The fuzzing must actually reach the specialized kernels.
        for mode in ["wrap16", "wrap32", "wrap64", "general", "wide128"] {
            XCTAssertTrue(modesSeen.contains { $0.hasPrefix(mode) }, "kernel \(mode) never chosen: \(modesSeen)")
        }
    }
}
