import XCTest
import ModelGraph
import ModelIO
@testable import HLS

/// The estimator on real trained weights (example-models' KERAS_3layer and its QKeras twin), end to end
/// through the Keras reader. The expected non-zero counts were counted independently: the HDF5 kernels
/// dumped with libhdf5's C API and put on the fixed<16,6> grid (floor(w·1024)) resp. the QKeras 6-bit grid
/// (clip(round(w·32), −32, 31)) with numpy.
final class EstimatorKerasTests: XCTestCase {
    private let keras = "../shared/data/keras"

    private func require(_ name: String) throws -> String {
        let path = "\(keras)/\(name)"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) is absent") }
        return path
    }

    func testKeras3LayerAllFixed16_6() throws {
        let model = try KerasModel.load(json: try require("KERAS_3layer.json"), weights: try require("KERAS_3layer_weights.h5"))
        var config = HLSConfig()
        config.backend = .vitis
        config.part = "xcu250-figd2104-2L-e"
        let estimate = try Estimator.estimate(try model.makeModelGraph(config: config))
        let dense = estimate.layers.filter { $0.kind == "dense" }
        XCTAssertEqual(dense.map(\.multiplications), [1024, 2048, 1024, 160])
        XCTAssertEqual(dense.map(\.nonZeroMultiplications), [1021, 2042, 1021, 160])
        // Same shape and types as the tutorial design: DSPs between the recent (≈1500) and the older
        // (≈3300–3900) real reports of such a design, below the 4256 products, latency 14, II 1.
        XCTAssertGreaterThan(estimate.total.dsp, 1100)
        XCTAssertLessThan(estimate.total.dsp, 4256)
        XCTAssertEqual(estimate.total.latencyCycles, 14)
        XCTAssertEqual(estimate.total.ii, 1)
    }

    func testQKeras3LayerWithItsConfig() throws {
        let model = try KerasModel.load(json: try require("qkeras_3layer.json"), weights: try require("qkeras_3layer_weights.h5"))
        let config = try HLSConfig.load(path: try require("qkeras_3layer_config.yml"))
        let estimate = try Estimator.estimate(try model.makeModelGraph(config: config))
        let dense = estimate.layers.filter { $0.kind == "dense" }
        XCTAssertEqual(dense.map(\.nonZeroMultiplications), [842, 1123, 613, 128])
        // relu results are ap_fixed<7,1,RND_CONV,SAT>: 7-bit data × 6-bit weights → LUT products.
        XCTAssertEqual(dense.dropFirst().map(\.resources.dsp), [0, 0, 0])
        XCTAssertGreaterThan(dense[0].resources.dsp, 0)
        XCTAssertLessThan(estimate.total.dsp, 100)
    }
}
