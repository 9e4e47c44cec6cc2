import XCTest
import FixedPoint
import ModelGraph
import ModelIO
import Simulation
import Support

/// KERAS_3layer with every type ap_fixed<16,6> must reproduce hls4ml 1.3.0's C-simulation
/// (`../shared/data/hls4ml-reference/y_hls4ml_a.npy`) bit for bit on all 20,000 rows — including
/// the ≈1.3 % of noise rows that overflow and wrap inside the network.
final class ConformanceTests: XCTestCase {
    static let shared = "../shared/data"

    func requireFile(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("reference file \(path) is missing (the ../shared/data checkout); conformance not checked")
        }
        return path
    }

    /// The reference configuration of ../shared/README.md, stated explicitly on top of the Keras graph.
    func referenceGraph() throws -> ModelGraph {
        let json = try requireFile("\(Self.shared)/keras/KERAS_3layer.json")
        let weights = try requireFile("\(Self.shared)/keras/KERAS_3layer_weights.h5")
        var graph = try KerasModel.load(json: json, weights: weights).makeModelGraph()
        let all = FixedPointType.fixed(16, 6)
        graph.inputType = .fixed(all)
        var kinds: [String] = []
        for k in graph.layers.indices {
            graph.layers[k].resultType = .fixed(all)
            graph.layers[k].reuseFactor = 1
            graph.layers[k].strategy = .latency
            switch graph.layers[k].operation {
            case .dense(var dense):
                dense.weightType = .fixed(all)
                dense.biasType = .fixed(all)
                dense.accumType = .fixed(all)
                graph.layers[k].operation = .dense(dense)
                kinds.append("dense\(dense.inputs)x\(dense.outputs)")
            case .activation(let activation):
                kinds.append(activation.function.rawValue)
            case .softmax(var softmax):
                softmax.implementation = .stable
                softmax.tableSize = 1024
                softmax.expTableType = .fixed(18, 8, .rnd, .sat)
                softmax.invTableType = .fixed(18, 8, .rnd, .sat)
                softmax.accumType = .fixed(all) // granularity 'model' → model_default_t (facts §3.6.1)
                softmax.invInputType = .fixed(18, 8, .rnd, .sat)
                graph.layers[k].operation = .softmax(softmax)
                kinds.append("softmax")
            case .batchNormalization:
                kinds.append("batchnorm")
            }
        }
        XCTAssertEqual(kinds, ["dense16x64", "relu", "dense64x32", "relu", "dense32x32", "relu", "dense32x5", "softmax"])
        return graph
    }

    func testKeras3LayerMatchesHLS4MLBitForBit() throws {
        let inputs = try NPYArray.read(path: try requireFile("\(Self.shared)/hls4ml-reference/ref_inputs_16.npy"))
        let expected = try NPYArray.read(path: try requireFile("\(Self.shared)/hls4ml-reference/y_hls4ml_a.npy"))
        XCTAssertEqual(inputs.shape, [20000, 16])
        XCTAssertEqual(expected.shape, [20000, 5])
        let simulator = try Simulator(graph: try referenceGraph())
        // Both paths: the fast wrap kernels (no counting) and every cast in order (counting).
        for counting in [false, true] {
            let result = try simulator.run(inputs.values, options: SimulationOptions(countOverflows: counting))
            var mismatchedRows = 0
            for row in 0..<20000 {
                let ours = result.output(row).map { Float($0) }
                let theirs = expected.values[(row * 5)..<(row * 5 + 5)].map { Float($0) }
                if ours != theirs {
                    mismatchedRows += 1
                    if mismatchedRows <= 5 { XCTFail("row \(row) (counting \(counting)): ours \(ours), hls4ml \(theirs)") }
                }
            }
            XCTAssertEqual(mismatchedRows, 0, "rows differing from hls4ml's C-simulation (counting \(counting))")
            if counting {
                // The reference notes ≈1.3 % of rows overflow somewhere: the accounting must see wraps.
                let overflows = result.overflows!
                let wrapped = overflows.reduce(0) { $0 + $1.accumulatorOverflows + $1.resultOverflows }
                XCTAssertGreaterThan(wrapped, 0)
                print("conformance: \(20000 - mismatchedRows)/20000 rows bit-exact; overflows per layer:",
                      overflows.map { "\($0.layer): acc \($0.accumulatorOverflows), result \($0.resultOverflows)" }.joined(separator: "; "))
            }
        }
    }
}
