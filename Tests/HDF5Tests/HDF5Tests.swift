import XCTest
import TestSupport
import Foundation
import Support
@testable import HDF5

final class HDF5Tests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hdf5tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testDatasetsAndGroupsRoundTrip() throws {
        let file = try HDF5File.create(path: path("a.h5"))
        try file.writeDataset("/weights/fc1/kernel:0", shape: [2, 3], values: [Float]([1.5, -2, 0.25, 3, 1e-7, -0.0]))
        try file.writeDataset("doubles", shape: [3], values: [0.1, -1e300, 42])
        try file.writeDataset("ints", shape: [2, 2], values: [Int32]([1, -2, 3, Int32.max]))
        try file.writeDataset("scalar", shape: [], values: [7.0])
        try file.createGroup("/empty/inner")
        file.close()

        let read = try HDF5File.open(path: path("a.h5"))
        XCTAssertEqual(try read.members(of: "/"), ["doubles", "empty", "ints", "scalar", "weights"])
        XCTAssertEqual(try read.members(of: "/weights/fc1"), ["kernel:0"])
        XCTAssertEqual(try read.members(of: "empty"), ["inner"])
        XCTAssertEqual(read.kind(of: "/weights"), .group)
        XCTAssertEqual(read.kind(of: "/weights/fc1/kernel:0"), .dataset)
        XCTAssertNil(read.kind(of: "/weights/fc2"))
        XCTAssertFalse(read.exists("/nothing/deeper"))
        let floats = try read.readFloats("/weights/fc1/kernel:0")
        XCTAssertEqual(floats.shape, [2, 3])
        XCTAssertEqual(floats.values, [1.5, -2, 0.25, 3, 1e-7, -0.0])
        let asDouble = try read.readDataset("/weights/fc1/kernel:0")
        XCTAssertEqual(asDouble.values[4], Double(Float(1e-7)), "float32 widened exactly")
        XCTAssertEqual(try read.readDataset("doubles"), HDF5Array(shape: [3], values: [0.1, -1e300, 42]))
        XCTAssertEqual(try read.readDataset("ints"), HDF5Array(shape: [2, 2], values: [1, -2, 3, 2147483647]))
        XCTAssertEqual(try read.readDataset("scalar"), HDF5Array(shape: [], values: [7]))
        XCTAssertEqual(try read.datasetShape("ints"), [2, 2])
        assertUserError(try read.readDataset("/weights/fc1/bias:0"), contains: "no dataset '/weights/fc1/bias:0'")
        assertUserError(try read.members(of: "doubles"), contains: "is not a group")
    }

    func testAttributesInEveryKerasLayout() throws {
        let file = try HDF5File.create(path: path("attrs.h5"))
        try file.createGroup("fc1")
        try file.writeAttribute("layer_names", value: .strings(["input_1", "fc1_relu", "output_softmax"]))
        try file.writeAttribute("keras_version", value: .string("2.0.0"))
        try file.writeAttribute("model_config", value: .string("{\"class_name\": \"Sequential\"}"), variableLength: true)
        try file.writeAttribute("weight_names", of: "fc1", value: .strings(["fc1/kernel:0", "fc1/bias:0"]), variableLength: true)
        try file.writeAttribute("epsilon", of: "fc1", value: .numbers([1e-3]))
        try file.writeAttribute("shape", of: "fc1", value: .integers([16, 64]))
        try file.writeAttribute("numpy_empty", of: "fc1", value: .numbers([]))
        try file.writeAttribute("empty", value: .string(""))
        try file.writeAttribute("weight_names", value: .strings([]))
        try file.writeAttribute("keras_version", value: .string("2.4.0"))  // replaces
        file.close()

        let read = try HDF5File.open(path: path("attrs.h5"))
        XCTAssertEqual(try read.attributeNames(), ["empty", "keras_version", "layer_names", "model_config", "weight_names"])
        XCTAssertEqual(try read.readAttribute("weight_names"), .strings([]))
        XCTAssertEqual(try read.readAttribute("layer_names"), .strings(["input_1", "fc1_relu", "output_softmax"]))
        XCTAssertEqual(try read.readStringAttribute("keras_version"), "2.4.0")
        XCTAssertEqual(try read.readStringAttribute("model_config"), "{\"class_name\": \"Sequential\"}")
        XCTAssertEqual(try read.readStringArrayAttribute("weight_names", of: "fc1"), ["fc1/kernel:0", "fc1/bias:0"])
        XCTAssertEqual(try read.readAttribute("epsilon", of: "fc1"), .numbers([1e-3]))
        XCTAssertEqual(try read.readAttribute("shape", of: "fc1"), .integers([16, 64]))
        XCTAssertEqual(try read.readStringArrayAttribute("numpy_empty", of: "fc1"), [], "np.array([]) as weight_names")
        XCTAssertEqual(try read.readStringAttribute("empty"), "")
        XCTAssertNil(try read.readAttribute("missing"))
        assertUserError(try read.readStringAttribute("epsilon", of: "fc1"), contains: "not a string")
    }

    /// Attributes over 64 KiB (a large Keras model_config) need dense attribute storage.
    func testLargeAttributes() throws {
        let big = String(repeating: "{\"layer\": 12345},", count: 10_000)
        let file = try HDF5File.create(path: path("big_attr.h5"))
        try file.writeAttribute("model_config", value: .string(big))
        try file.writeAttribute("layer_names", value: .strings((0..<5000).map { "dense_layer_\($0)" }))
        file.close()
        let read = try HDF5File.open(path: path("big_attr.h5"))
        XCTAssertEqual(try read.readStringAttribute("model_config"), big)
        XCTAssertEqual(try read.readStringArrayAttribute("layer_names")?.last, "dense_layer_4999")
    }

    /// The jet file's `t_allpar_new` layout: float32 `j_*` features and int32 one-hot labels.
    func testCompoundColumnsByName() throws {
        let file = try HDF5File.create(path: path("jets.h5"))
        try file.writeCompoundDataset("t_allpar_new", columns: [
            (name: "j_index", type: .int64, values: [0, 1, 2]),
            (name: "j_zlogz", type: .float32, values: [-2.5, 0.125, 3]),
            (name: "j_g", type: .int32, values: [1, 0, 0]),
            (name: "j_q", type: .int32, values: [0, 1, 0]),
            (name: "j_pt", type: .float64, values: [100.5, 220.25, 1e3]),
        ])
        file.close()
        let read = try HDF5File.open(path: path("jets.h5"))
        XCTAssertEqual(try read.compoundFieldNames("t_allpar_new"), ["j_index", "j_zlogz", "j_g", "j_q", "j_pt"])
        let columns = try read.readCompoundColumns("t_allpar_new", fields: ["j_q", "j_zlogz", "j_pt", "j_q"])
        XCTAssertEqual(columns.count, 3)
        XCTAssertEqual(columns["j_zlogz"], [-2.5, 0.125, 3])
        XCTAssertEqual(columns["j_q"], [0, 1, 0])
        XCTAssertEqual(columns["j_pt"], [100.5, 220.25, 1000])
        assertUserError(try read.readCompoundColumns("t_allpar_new", fields: ["j_zlogZ2"]), contains: "'j_zlogz'")
        XCTAssertEqual(try read.datasetShape("t_allpar_new"), [3])
        assertUserError(try read.readDataset("t_allpar_new"), contains: "not numeric")
    }

    func testClearErrorsForBadFiles() throws {
        assertUserError(try HDF5File.open(path: path("missing.h5")), contains: "file not found")
        try "just text\n".write(toFile: path("text.h5"), atomically: true, encoding: .utf8)
        assertUserError(try HDF5File.open(path: path("text.h5")), contains: "not an HDF5 file")

        let file = try HDF5File.create(path: path("big.h5"))
        try file.writeDataset("data", shape: [20000], values: [Double](repeating: 1.25, count: 20000))
        file.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: path("big.h5")))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path("truncated.h5")))
        assertUserError(try HDF5File.open(path: path("truncated.h5")), contains: "truncated")
    }

    /// The Keras 2 weights file of the jet tagger (example-models): names and shapes as the JSON says.
    func testReadsKerasWeightsFile() throws {
        let weights = "../shared/data/keras/KERAS_3layer_weights.h5"
        guard FileManager.default.fileExists(atPath: weights) else {
            throw XCTSkip("\(weights) not present (shared reference data is only on the development machine)")
        }
        let file = try HDF5File.open(path: weights)
        XCTAssertEqual(try file.readStringArrayAttribute("layer_names"),
                       ["input_1", "fc1_relu", "fc2_relu", "fc3_relu", "output_softmax"])
        XCTAssertEqual(try file.readStringAttribute("backend"), "tensorflow")
        XCTAssertEqual(try file.readStringArrayAttribute("weight_names", of: "fc1_relu"), ["fc1_relu/kernel:0", "fc1_relu/bias:0"])
        XCTAssertEqual(try file.datasetShape("fc1_relu/fc1_relu/kernel:0"), [16, 64])
        XCTAssertEqual(try file.datasetShape("output_softmax/output_softmax/bias:0"), [5])
        let kernel = try file.readFloats("fc2_relu/fc2_relu/kernel:0")
        XCTAssertEqual(kernel.values.count, 64 * 32)
        XCTAssertTrue(kernel.values.allSatisfy { $0.isFinite && abs($0) < 10 })
    }

    /// Every shared Keras weights file: each listed layer group's weight_names resolve to datasets.
    func testEverySharedKerasWeightsFileIsReadable() throws {
        let folder = "../shared/data/keras"
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder).filter({ $0.hasSuffix(".h5") }).sorted(),
              !files.isEmpty else {
            throw XCTSkip("\(folder) not present (shared reference data is only on the development machine)")
        }
        for name in files {
            let file = try HDF5File.open(path: "\(folder)/\(name)")
            let layers = try XCTUnwrap(try file.readStringArrayAttribute("layer_names"), name)
            var tensors = 0
            for layer in layers {
                for weight in try file.readStringArrayAttribute("weight_names", of: layer) ?? [] {
                    let array = try file.readDataset("\(layer)/\(weight)")
                    XCTAssertEqual(array.values.count, array.shape.reduce(1, *))
                    tensors += 1
                }
            }
            XCTAssertEqual(tensors, 8, "\(name): 4 Dense layers × (kernel, bias)")
        }
    }
}
