import Foundation
import XCTest
import FixedPoint
import ModelGraph
import ModelIO
import Simulation
import Support
@testable import HLS

/// The shared Keras models converted and C-simulated: against real hls4ml outputs where the
/// reference exists (KERAS_3layer, `y_hls4ml_a.npy`), and against the Swift simulator.
final class ParityKerasTests: XCTestCase {
    let data = "../shared/data"
    let rows = 2000

    func sharedFile(_ path: String) throws -> String {
        let full = "\(data)/\(path)"
        guard FileManager.default.fileExists(atPath: full) else {
            throw XCTSkip("shared reference file \(full) missing (run from the package root with ../shared/data present)")
        }
        return full
    }

    func referenceInputs() throws -> (array: NPYArray, rows: [[Double]]) {
        let inputs = try NPYArray.read(path: try sharedFile("hls4ml-reference/ref_inputs_16.npy"))
        let columns = inputs.rowsAndColumns.columns
        let rows = (0..<self.rows).map { Array(inputs.values[($0 * columns)..<(($0 + 1) * columns)]) }
        return (NPYArray(shape: [self.rows, columns], values: rows.flatMap { $0 }), rows)
    }

    /// KERAS_3layer with hls4ml's default config: C-sim equals hls4ml 1.3's own predictions
    /// (`y_hls4ml_a.npy`) and the simulator, sample for sample.
    func testKeras3LayerMatchesHls4mlReference() throws {
        _ = try HLSTestSupport.apTypesOrSkip()
        let model = try KerasModel.load(path: try sharedFile("keras/KERAS_3layer.json"),
                                        weights: try sharedFile("keras/KERAS_3layer_weights.h5"))
        let graph = try model.makeModelGraph(config: HLSConfig())
        let (_, rows) = try referenceInputs()
        let firmware = try HLSTestSupport.runCSim(graph, inputs: rows, label: "keras3").flatMap { $0 }
        let reference = try NPYArray.read(path: try sharedFile("hls4ml-reference/y_hls4ml_a.npy"))
        let expected = Array(reference.values[0..<(rows.count * graph.outputSize)])
        XCTAssertEqual(firmware.count, expected.count)
        let differing = zip(firmware, expected).filter { $0 != $1 }.count
        XCTAssertEqual(differing, 0, "C-sim differs from hls4ml's predictions in \(differing) outputs")
        let simulated = try Simulator(graph: graph).predict(rows.flatMap { $0 })
        XCTAssertEqual(simulated, firmware)
    }

    /// The QKeras model with its config (6-bit weights, 7-bit RND_CONV/SAT ReLUs, custom softmax tables).
    func testQKeras3LayerSimulatorEqualsCSim() throws {
        _ = try HLSTestSupport.apTypesOrSkip()
        let config = try HLSConfig.load(path: try sharedFile("keras/qkeras_3layer_config.yml"))
        let model = try KerasModel.load(path: try sharedFile("keras/qkeras_3layer.json"),
                                        weights: try sharedFile("keras/qkeras_3layer_weights.h5"))
        let graph = try model.makeModelGraph(config: config)
        let files = try ProjectWriter.generate(graph)
        let defines = try XCTUnwrap(files.first { $0.path == "firmware/defines.h" }).contents
        XCTAssertTrue(defines.contains("typedef ap_fixed<6,1> weight2_t;"), defines)
        XCTAssertTrue(defines.contains("typedef ap_fixed<7,1,AP_RND_CONV,AP_SAT,0> layer4_t;"), defines)
        XCTAssertTrue(defines.contains("typedef ap_fixed<18,4> softmax_inv_table_t;"), defines)
        let (_, rows) = try referenceInputs()
        let firmware = try HLSTestSupport.runCSim(graph, inputs: rows, label: "qkeras3").flatMap { $0 }
        let simulated = try Simulator(graph: graph).predict(rows.flatMap { $0 })
        XCTAssertEqual(simulated.count, firmware.count)
        let differing = zip(simulated, firmware).filter { $0 != $1 }.count
        XCTAssertEqual(differing, 0, "\(differing) outputs differ")
        XCTAssertGreaterThan(Set(firmware).count, 50)
    }

    /// The written hls4ml_config.yml is a valid hls4ml config: read back and applied to the same
    /// Keras model it yields the same graph.
    func testWrittenConfigRoundTrips() throws {
        let config = try HLSConfig.load(path: try sharedFile("keras/qkeras_3layer_config.yml"))
        let model = try KerasModel.load(path: try sharedFile("keras/qkeras_3layer.json"),
                                        weights: try sharedFile("keras/qkeras_3layer_weights.h5"))
        let graph = try model.makeModelGraph(config: config)
        let yaml = try XCTUnwrap(try ProjectWriter.generate(graph).first { $0.path == "hls4ml_config.yml" }).contents
        let reloaded = try HLSConfig.parse(yaml: yaml, source: "hls4ml_config.yml")
        XCTAssertEqual(reloaded.part, "xcvu9p-flga2577-2-e")
        XCTAssertEqual(reloaded.projectName, "myproject")
        XCTAssertEqual(try model.makeModelGraph(config: reloaded), graph)
    }

    /// Convert + write of the jet tagger stays fast (the release bench measures the 10 ms target;
    /// this guards against gross regressions even in debug builds).
    func testConvertAndWriteIsFast() throws {
        let model = try KerasModel.load(path: try sharedFile("keras/KERAS_3layer.json"),
                                        weights: try sharedFile("keras/KERAS_3layer_weights.h5"))
        let graph = try model.makeModelGraph(config: HLSConfig())
        let directory = HLSTestSupport.temporaryDirectory("speed")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ProjectWriter.write(graph, to: directory + "/prj")
        let start = Date()
        try ProjectWriter.write(graph, to: directory + "/prj")
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
    }
}
