import XCTest
import FixedPoint
import ModelGraph
import Support
@testable import HLS

/// Calibration against real synthesis numbers of the tutorial designs (facts §5, §8.4, §8.5) and
/// hand-worked counts.
final class EstimatorTests: XCTestCase {
    private func dense(_ estimate: DesignEstimate) -> [LayerEstimate] { estimate.layers.filter { $0.kind == "dense" } }

    /// The calibration must not hinge on one lucky draw of the stand-in weights.
    func testCalibrationHoldsForOtherSeeds() throws {
        for seed: UInt64 in [1, 99, 123_456] {
            let kernels = TutorialGraphs.kernels(seed: seed)
            let full = try Estimator.estimate(TutorialGraphs.graph(kernels: kernels))
            let pruned = try Estimator.estimate(TutorialGraphs.graph(kernels: kernels.map { TutorialGraphs.pruned($0, fraction: 0.75) }))
            XCTAssertEqual(Double(full.total.dsp), 1502, accuracy: 0.25 * 1502, "seed \(seed)")
            XCTAssertEqual(Double(pruned.total.dsp), 834, accuracy: 0.25 * 834, "seed \(seed)")
        }
    }

    /// 16·64 + 64·32 + 32·32 + 32·5 = 1024 + 2048 + 1024 + 160 = 4256 products (facts §5.1).
    func testMultiplicationCountIsHandWorked() throws {
        let estimate = try Estimator.estimate(TutorialGraphs.part1())
        XCTAssertEqual(dense(estimate).map(\.multiplications), [1024, 2048, 1024, 160])
        XCTAssertEqual(dense(estimate).reduce(0) { $0 + $1.multiplications }, 4256)
        // No float weight is exactly zero, so hls4ml's multiplier_limit is the full count.
        XCTAssertEqual(dense(estimate).map(\.multiplierLimit), [1024, 2048, 1024, 160])
    }

    /// Real: 1502 DSP (Vitis 2024.1), 1520 (Vivado HLS 2019.2), latency 13–14, II 1.
    func testPart1AllFixed16_6() throws {
        let estimate = try Estimator.estimate(TutorialGraphs.part1())
        XCTAssertEqual(Double(estimate.total.dsp), 1502, accuracy: 0.25 * 1502)
        XCTAssertEqual(estimate.total.latencyCycles, 14)
        XCTAssertEqual(estimate.total.latencyNs, 70, accuracy: 1e-9)
        XCTAssertEqual(estimate.total.ii, 1)
        // Real LUT 101839 (Vitis) / 85140 (2019.2), FF 9363 / 11100, BRAM_18K 8 / 4.
        XCTAssertEqual(Double(estimate.total.lut), 95_000, accuracy: 0.3 * 95_000)
        XCTAssertEqual(Double(estimate.total.ff), 10_200, accuracy: 0.3 * 10_200)
        XCTAssertEqual(estimate.total.bram18k, 8)
        // fc2 has twice fc1's products but smaller weights: the real reports give it the most DSPs.
        let dsp = dense(estimate).map(\.resources.dsp)
        XCTAssertGreaterThan(dsp[1], dsp[2])
        XCTAssertGreaterThan(dsp[0], dsp[3])
        // Softmax: 5 DSP (one product per class), 8 BRAM_18K on Vitis.
        let softmax = try XCTUnwrap(estimate.layers.last)
        XCTAssertEqual(softmax.resources.dsp, 5)
        XCTAssertEqual(softmax.resources.bram18k, 8)
        XCTAssertEqual(softmax.resources.latencyCycles, 4)
    }

    /// Real: 1476 DSP, 13 cycles, II 2; only the 160-product output layer fell to its limit of 80.
    func testReuseFactor2() throws {
        let rf1 = try Estimator.estimate(TutorialGraphs.part1())
        let rf2 = try Estimator.estimate(TutorialGraphs.part1(reuseFactor: 2))
        XCTAssertEqual(rf2.total.ii, 2)
        XCTAssertEqual(Double(rf2.total.latencyCycles), 13, accuracy: 1)
        XCTAssertEqual(Double(rf2.total.dsp), 1476, accuracy: 0.25 * 1476)
        XCTAssertLessThanOrEqual(rf2.total.dsp, rf1.total.dsp)
        XCTAssertEqual(dense(rf2).map(\.multiplierLimit), [512, 1024, 512, 80])
        for layer in dense(rf2) { XCTAssertLessThanOrEqual(layer.resources.dsp, layer.multiplierLimit) }
    }

    /// Real: 834 DSP (tutorial), 817 and 813 in other Vitis 2024.1 runs; latency 12–14.
    func testPruned75Percent() throws {
        let graph = TutorialGraphs.part3Pruned()
        let estimate = try Estimator.estimate(graph)
        // A few tiny surviving weights floor to 0 on the fixed<16,6> grid, hence "at most".
        for (layer, kept) in zip(dense(estimate), [256, 512, 256, 40]) {
            XCTAssertLessThanOrEqual(layer.nonZeroMultiplications, kept)
            XCTAssertGreaterThan(layer.nonZeroMultiplications, kept * 9 / 10)
        }
        XCTAssertEqual(Double(estimate.total.dsp), 834, accuracy: 0.25 * 834)
        XCTAssertEqual(Double(estimate.total.latencyCycles), 13, accuracy: 1)
        XCTAssertEqual(estimate.total.ii, 1)
        // Real LUT 33849 / 35326, FF 5196 / 8462.
        XCTAssertEqual(Double(estimate.total.lut), 34_500, accuracy: 0.3 * 34_500)
        XCTAssertEqual(Double(estimate.total.ff), 6_800, accuracy: 0.35 * 6_800)
        // multiplier_limit = ceil(n/RF) − floor(zeros/RF) with RF 1 = the non-zero count.
        XCTAssertEqual(dense(estimate).map(\.multiplierLimit), [256, 512, 256, 40])
    }

    /// Real: 34 DSP (29 in fc1 with 16-bit inputs, 0 in the 6-bit-input layers, 5 in softmax), LUT 42160.
    func testQKerasSixBitPruned() throws {
        let estimate = try Estimator.estimate(TutorialGraphs.part4QKeras())
        XCTAssertGreaterThanOrEqual(estimate.total.dsp, 10)
        XCTAssertLessThan(estimate.total.dsp, 100)
        let dsp = dense(estimate).map(\.resources.dsp)
        XCTAssertGreaterThan(dsp[0], 0, "fc1 multiplies 16-bit inputs: some products stay in DSPs")
        XCTAssertEqual(Array(dsp[1...]), [0, 0, 0], "6-bit relu outputs × 6-bit weights are LUT products")
        XCTAssertEqual(Double(estimate.total.lut), 42_160, accuracy: 0.3 * 42_160)
        // quantized_relu(6) rounds and saturates: more LUT per element than a plain relu (real 90 vs 38).
        let relu = estimate.layers.filter { $0.kind == "relu" }
        let plainRelu = try Estimator.estimate(TutorialGraphs.part1()).layers.filter { $0.kind == "relu" }
        XCTAssertGreaterThan(relu[0].resources.lut, 2 * plainRelu[0].resources.lut)
    }

    /// Weights that are ± powers of two become shifts: no DSP at all; zero weights disappear.
    func testPowerOfTwoWeightsAreShifts() throws {
        var rng = TutorialGraphs.SplitMix64(state: 7)
        let kernels = TutorialGraphs.shape.indices.dropLast().map { l in
            (0..<(TutorialGraphs.shape[l] * TutorialGraphs.shape[l + 1])).map { _ -> Float in
                let exponent = Int(rng.next() % 6) + 1
                return (rng.next() & 1 == 0 ? 1 : -1) / Float(1 << exponent)
            }
        }
        let estimate = try Estimator.estimate(TutorialGraphs.graph(kernels: kernels))
        XCTAssertEqual(dense(estimate).map(\.resources.dsp), [0, 0, 0, 0])
        XCTAssertEqual(dense(estimate).map(\.shiftMultiplications), [1024, 2048, 1024, 160])
        XCTAssertEqual(estimate.total.dsp, 5, "only the softmax products remain")
    }

    func testAllZeroLayerHasNoMultipliers() throws {
        var kernels = TutorialGraphs.kernels()
        kernels[1] = [Float](repeating: 0, count: 2048)
        let estimate = try Estimator.estimate(TutorialGraphs.graph(kernels: kernels))
        let fc2 = dense(estimate)[1]
        XCTAssertEqual(fc2.resources.dsp, 0)
        XCTAssertEqual(fc2.nonZeroMultiplications, 0)
        XCTAssertEqual(fc2.multiplierLimit, 0)
    }

    /// Resource strategy: weights are not constants, block_factor = ceil(n_in·n_out/RF) real multipliers.
    /// RF 4: 1024/4 + 2048/4 + 1024/4 + 160/4 = 256 + 512 + 256 + 40 = 1064, + 5 softmax = 1069.
    func testResourceStrategyBlockFactor() throws {
        let estimate = try Estimator.estimate(TutorialGraphs.part1(reuseFactor: 4, strategy: .resource))
        XCTAssertEqual(dense(estimate).map(\.resources.dsp), [256, 512, 256, 40])
        XCTAssertEqual(estimate.total.dsp, 1069)
        XCTAssertEqual(estimate.total.ii, 4)
        for layer in dense(estimate) { XCTAssertGreaterThanOrEqual(layer.resources.latencyCycles, 5) }
    }

    /// RF 128 in Resource strategy: weights move to BRAM (⌈8·16/36⌉ = 4 blocks for fc1, 128 deep).
    func testResourceStrategyWeightsInBRAM() throws {
        let estimate = try Estimator.estimate(TutorialGraphs.part1(reuseFactor: 128, strategy: .resource))
        // fc1: 1024/128 = 8 words of 16 bits → 128 bits → 4 BRAM_18K (512×36).
        XCTAssertEqual(dense(estimate)[0].resources.bram18k, 4)
        // output: 160/128 → block factor 2 → 32 bits → 1 BRAM.
        XCTAssertEqual(dense(estimate)[3].resources.bram18k, 1)
        XCTAssertEqual(estimate.total.ii, 128)
    }

    /// Wide operands: 32-bit inputs × 24-bit weights need ⌈32/26⌉·⌈24/17⌉ = 4 DSP48E2 per product.
    func testWideProductsUseSeveralDSPs() throws {
        XCTAssertEqual(DSPShape(part: "xcu250-figd2104-2L-e").blocks(16, 16), 1)
        XCTAssertEqual(DSPShape(part: "xcu250-figd2104-2L-e").blocks(27, 18), 1)
        XCTAssertEqual(DSPShape(part: "xcu250-figd2104-2L-e").blocks(32, 24), 4)
        XCTAssertEqual(DSPShape(part: "xc7z020clg400-1").blocks(26, 18), 4)
        XCTAssertEqual(DSPShape(part: "xcvc1902-vsva2197-2MP-e-S").blocks(27, 24), 1)
        let estimate = try Estimator.estimate(TutorialGraphs.part1(reuseFactor: 4, strategy: .resource))
        var graph = TutorialGraphs.part1(reuseFactor: 4, strategy: .resource)
        graph.inputType = .fixed(.fixed(32, 12))
        let wide = try Estimator.estimate(graph)
        XCTAssertEqual(dense(wide)[0].resources.dsp, 2 * dense(estimate)[0].resources.dsp) // 32×16: 2 blocks
    }

    /// Weights on the firmware grid: floor for TRN (facts §1.7), wrap for WRAP, clamp for SAT.
    func testWeightGrid() {
        XCTAssertEqual(ConstantProducts.rawValue(0.1, .fixed(16, 6)), 102) // floor(102.4)
        XCTAssertEqual(ConstantProducts.rawValue(-0.1, .fixed(16, 6)), -103) // floor(-102.4)
        XCTAssertEqual(ConstantProducts.rawValue(0.53125, .fixed(6, 1)), 17)
        XCTAssertEqual(ConstantProducts.rawValue(1.0, .fixed(6, 1)), -32) // wraps
        XCTAssertEqual(ConstantProducts.rawValue(1.0, .fixed(6, 1, .trn, .sat)), 31)
        XCTAssertEqual(ConstantProducts.rawValue(0.3, .fixed(8, 2, .rnd)), 19) // 19.2 → 19
        XCTAssertEqual(ConstantProducts.rawValue(0.5 / 64, .fixed(8, 2, .rndConv)), 0) // tie → even
        XCTAssertEqual(ConstantProducts.rawValue(1.5 / 64, .fixed(8, 2, .rndConv)), 2)
        // Extreme types must not trap.
        XCTAssertEqual(ConstantProducts.rawValue(0.5, .fixed(1024, 2)), Int64(1) << 61)
        XCTAssertEqual(ConstantProducts.rawValue(3e38, .fixed(100, 90)), Int64(1) << 61) // clamped (2^61 − 1 rounds to 2^61 in Double)
        XCTAssertEqual(ConstantProducts.rawValue(0.5, .fixed(8, 200)), 0)
    }

    /// A faster clock cuts the Dense adder trees into more stages: more cycles, same II.
    func testFasterClockAddsStages() throws {
        let slow = try Estimator.estimate(TutorialGraphs.part1())
        let fast = try Estimator.estimate(TutorialGraphs.graph(kernels: TutorialGraphs.kernels(), clockPeriod: 2.5))
        XCTAssertGreaterThan(fast.total.latencyCycles, slow.total.latencyCycles)
        XCTAssertEqual(fast.total.ii, 1)
        XCTAssertEqual(fast.total.latencyNs, Double(fast.total.latencyCycles) * 2.5, accuracy: 1e-9)
    }

    /// io_stream: a FIFO hand-over cycle per layer and every intermediate output in a FIFO.
    func testIOStream() throws {
        let parallel = try Estimator.estimate(TutorialGraphs.part1())
        let stream = try Estimator.estimate(TutorialGraphs.graph(kernels: TutorialGraphs.kernels(), ioType: .stream))
        XCTAssertEqual(stream.total.latencyCycles, parallel.total.latencyCycles + 8)
        XCTAssertEqual(stream.total.dsp, parallel.total.dsp)
        // 256 + 16·(64+64+32+32+32+32+5) = 256 + 4176
        XCTAssertEqual(stream.interfaceFF, 4432)
        XCTAssertEqual(stream.ioType, "io_stream")
    }

    func testVivadoBackendTables() throws {
        let estimate = try Estimator.estimate(TutorialGraphs.graph(kernels: TutorialGraphs.kernels(), backend: .vivado))
        XCTAssertEqual(estimate.total.bram18k, 4) // Vivado HLS 2019.2 report: 4
    }

    func testAutoPrecisionIsAUserError() {
        var graph = TutorialGraphs.part1()
        graph.layers[0].resultType = .auto
        XCTAssertThrowsError(try Estimator.estimate(graph)) { error in
            let userError = error as? UserError
            XCTAssertNotNil(userError)
            XCTAssertTrue(userError?.what.contains("fc1") ?? false)
        }
    }

    func testWrongWeightCountIsAUserError() {
        var graph = TutorialGraphs.part1()
        if case .dense(var dense) = graph.layers[0].operation {
            dense.weights.removeLast()
            graph.layers[0].operation = .dense(dense)
        }
        XCTAssertThrowsError(try Estimator.estimate(graph)) { XCTAssertTrue($0 is UserError) }
    }

    func testSumsAndJSON() throws {
        let estimate = try Estimator.estimate(TutorialGraphs.part1())
        XCTAssertEqual(estimate.layers.reduce(0) { $0 + $1.resources.dsp }, estimate.total.dsp)
        XCTAssertEqual(estimate.layers.reduce(0) { $0 + $1.resources.ff } + estimate.interfaceFF, estimate.total.ff)
        XCTAssertEqual(estimate.layers.reduce(0) { $0 + $1.resources.lut }, estimate.total.lut)
        // Input register 16·16 bits, then 3/4 of the 16-bit outputs of the seven inner layers:
        // 0.75·16·(64+64+32+32+32+32+5) = 3132 → 256 + 3132 = 3388 (the reports list ≈ 3424–3459 FF of "Register").
        XCTAssertEqual(estimate.interfaceFF, 3388)
        XCTAssertEqual(estimate.layers.reduce(0) { $0 + $1.resources.latencyCycles } + estimate.interfaceCycles,
                       estimate.total.latencyCycles)
        let json = try estimate.jsonString()
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let total = try XCTUnwrap(object["total"] as? [String: Any])
        for key in ["dsp", "lut", "ff", "bram_18k", "latency_cycles", "latency_ns", "ii"] {
            XCTAssertNotNil(total[key], key)
        }
        let layers = try XCTUnwrap(object["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.count, 8)
        XCTAssertEqual(layers[0]["name"] as? String, "fc1")
        XCTAssertNotNil(layers[0]["dsp"])
        XCTAssertTrue((object["note"] as? String)?.contains("ESTIMATES") ?? false)
        let decoded = try JSONDecoder().decode(DesignEstimate.self, from: Data(json.utf8))
        XCTAssertEqual(decoded, estimate)
        XCTAssertTrue(estimate.table().contains("not synthesis results"))
    }
}

/// `pipeline estimate <dir>` reads the project's graph file: the estimate survives the file round trip.
final class EstimatorProjectFileTests: XCTestCase {
    func testEstimateFromProjectDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("est-graph-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let graph = TutorialGraphs.part3Pruned()
        try graph.write(to: directory.appendingPathComponent(ModelGraph.fileName).path)
        if let keep = ProcessInfo.processInfo.environment["EST_KEEP_GRAPH"] {
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try graph.write(to: keep + "/" + ModelGraph.fileName)
        }
        let fromFile = try Estimator.estimate(projectAt: directory.path)
        XCTAssertEqual(fromFile, try Estimator.estimate(graph))
    }
}
