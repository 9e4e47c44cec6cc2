import Foundation
import XCTest
import FixedPoint
import ModelGraph
import Support
@testable import HLS

/// Shared helpers for the HLS tests: temporary directories and tiny hand-built graphs.
enum HLSTestSupport {
    static func temporaryDirectory(_ label: String) -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("hls4swift-test-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func apTypesOrSkip() throws -> String {
        do {
            return try APTypes.includeDirectory(provision: false)
        } catch {
            throw XCTSkip("Xilinx ap_types headers not provisioned (run .ci/setup): \(error)")
        }
    }

    /// One Dense layer (Keras kernel layout) of the given types.
    static func dense(_ name: String, index: Int, inputs: Int, outputs: Int, weights: [Float], biases: [Float],
                      type: FixedPointType, accum: FixedPointType? = nil, result: FixedPointType? = nil,
                      reuse: Int = 1, strategy: Strategy = .latency) -> Layer {
        Layer(name: name, index: index,
              operation: .dense(Dense(inputs: inputs, outputs: outputs, weights: weights, biases: biases,
                                      weightType: .fixed(type), biasType: .fixed(type), accumType: .fixed(accum ?? type))),
              resultType: .fixed(result ?? type), reuseFactor: reuse, strategy: strategy)
    }

    static func runCSim(_ graph: ModelGraph, inputs: [[Double]], label: String) throws -> [[Double]] {
        _ = try apTypesOrSkip()
        let directory = temporaryDirectory(label)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let project = directory + "/prj"
        try ProjectWriter.write(graph, to: project)
        let array = NPYArray(shape: [inputs.count, graph.inputSize], values: inputs.flatMap { $0 })
        let output = try CSimRunner.run(projectDirectory: project, inputs: array)
        let columns = graph.outputSize
        return (0..<inputs.count).map { Array(output.values[($0 * columns)..<(($0 + 1) * columns)]) }
    }
}

final class ProjectWriterTests: XCTestCase {
    /// fc(3→2) + relu; all ap_fixed<16,6>; results worked out by hand.
    func tinyGraph(strategy: Strategy = .latency, reuse: Int = 1, io: IOType = .parallel) -> ModelGraph {
        let t = FixedPointType.fixed(16, 6)
        // kernel[i][j]: i0 = (0.5, 1), i1 = (0, -1), i2 = (2, 0.25)
        let fc = HLSTestSupport.dense("fc1", index: 2, inputs: 3, outputs: 2, weights: [0.5, 1, 0, -1, 2, 0.25],
                                      biases: [0.125, -0.5], type: t, reuse: reuse, strategy: strategy)
        let relu = Layer(name: "relu1", index: 3, operation: .activation(Activation(function: .relu, size: 2)), resultType: .fixed(t))
        return ModelGraph(inputName: "fc1_input", inputSize: 3, layers: [fc, relu], target: HardwareTarget(ioType: io))
    }

    func testLayoutMatchesHls4ml() throws {
        let directory = HLSTestSupport.temporaryDirectory("layout")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let project = directory + "/prj"
        let inputs = NPYArray(shape: [2, 3], values: [1, 2, 3, 0.1, -0.2, 0.3])
        try ProjectWriter.write(tinyGraph(), to: project, options: .init(projectName: "jets", inputData: inputs))
        let expected = ["firmware/jets.cpp", "firmware/jets.h", "firmware/defines.h", "firmware/parameters.h",
                        "firmware/weights/w2.h", "firmware/weights/w2.txt", "firmware/weights/b2.h", "firmware/weights/b2.txt",
                        "firmware/nnet_utils/nnet_dense.h", "firmware/nnet_utils/nnet_activation.h",
                        "jets_test.cpp", "jets_bridge.cpp", "build_lib.sh", "build_prj.tcl", "project.tcl",
                        "vivado_synth.tcl", "hls4ml_config.yml", "tb_data/tb_input_features.dat", ModelGraph.fileName]
        for file in expected {
            XCTAssertTrue(FileManager.default.fileExists(atPath: project + "/" + file), "missing \(file)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: project + "/build_opt.tcl"), "build_opt.tcl is Vitis only")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: project + "/build_lib.sh"))
        let weights = try String(contentsOfFile: project + "/firmware/weights/w2.txt", encoding: .utf8)
        XCTAssertEqual(weights, "0.5000000000, 1.0000000000, 0.0000000000, -1.0000000000, 2.0000000000, 0.2500000000\n")
        let header = try String(contentsOfFile: project + "/firmware/weights/w2.h", encoding: .utf8)
        XCTAssertTrue(header.contains("//Numpy array shape [3, 2]"))
        XCTAssertTrue(header.contains("//Number of zeros 1"))
        XCTAssertTrue(header.contains("weight2_t w2[6] = {0.5000000000, 1.0000000000"))
        let defines = try String(contentsOfFile: project + "/firmware/defines.h", encoding: .utf8)
        XCTAssertTrue(defines.contains("typedef ap_fixed<16,6> input_t;"))
        XCTAssertTrue(defines.contains("typedef ap_fixed<16,6> layer2_t;"))
        XCTAssertTrue(defines.contains("typedef ap_fixed<16,6> result_t;"))
        XCTAssertTrue(defines.contains("#define N_LAYER_2 2"))
        let top = try String(contentsOfFile: project + "/firmware/jets.cpp", encoding: .utf8)
        XCTAssertTrue(top.contains("nnet::dense<input_t, layer2_t, config2>(fc1_input, layer2_out, w2, b2); // fc1"))
        XCTAssertTrue(top.contains("nnet::relu<layer2_t, result_t, relu_config3>(layer2_out, layer3_out); // relu1"))
        XCTAssertTrue(top.contains("HLS PIPELINE"))
        let tcl = try String(contentsOfFile: project + "/project.tcl", encoding: .utf8)
        XCTAssertTrue(tcl.contains("set project_name \"jets\""))
        XCTAssertTrue(tcl.contains("set part \"xcvu13p-flga2577-2-e\""))
        XCTAssertTrue(tcl.contains("set clock_period 5"))
        XCTAssertTrue(tcl.contains("set clock_uncertainty 12.5%"))
        let data = try String(contentsOfFile: project + "/tb_data/tb_input_features.dat", encoding: .utf8)
        XCTAssertEqual(data, "1.0 2.0 3.0\n0.1 -0.2 0.3\n")
        let graph = try ModelGraph.read(from: project)
        XCTAssertEqual(graph.projectName, "jets")
        // No staging directories left beside the project.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0 != "prj" }
        XCTAssertEqual(leftovers, [])
    }

    func testVitisWritesBuildOptions() throws {
        var graph = tinyGraph()
        graph.target = HardwareTarget(backend: .vitis, part: "xcu250-figd2104-2L-e", clockPeriod: 5)
        let files = try ProjectWriter.generate(graph)
        let options = try XCTUnwrap(files.first { $0.path == "build_opt.tcl" })
        XCTAssertTrue(options.contents.contains("csim       1"))
        let project = try XCTUnwrap(files.first { $0.path == "project.tcl" })
        XCTAssertTrue(project.contents.contains("set backend \"vitis\""))
        XCTAssertTrue(project.contents.contains("set clock_uncertainty 27%"))
    }

    /// build_prj.tcl run by a real tclsh with the HLS commands stubbed: switches from argv (Vivado,
    /// one quoted string) and from build_opt.tcl (Vitis) select the steps.
    func testBuildScriptSwitches() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tclsh") else { throw XCTSkip("tclsh not installed") }
        let directory = HLSTestSupport.temporaryDirectory("tcl")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var graph = tinyGraph()
        graph.target = HardwareTarget(backend: .vitis)
        try ProjectWriter.write(graph, to: directory + "/prj")
        let stubs = """
        foreach p {open_project set_top add_files open_solution config_array_partition config_compile set_part
                   config_schedule create_clock set_clock_uncertainty csim_design csynth_design cosim_design export_design} {
            proc $p {args} [list puts "CALL $p"]
        }
        proc exit {args} {}
        set argv [list "csim=0 cosim=1"]
        source build_prj.tcl
        """
        try stubs.write(toFile: directory + "/prj/stubs.tcl", atomically: true, encoding: .utf8)
        let result = try CSimRunner.execute("tclsh", arguments: ["stubs.tcl"], in: directory + "/prj", searchPath: true)
        XCTAssertEqual(result.status, 0, result.errors)
        let calls = result.output.split(separator: "\n").filter { $0.hasPrefix("CALL ") && $0.hasSuffix("_design") }
        // build_opt.tcl (Vitis defaults: csim 1 synth 1 cosim 1 ...), then argv: csim=0.
        XCTAssertEqual(calls, ["CALL csynth_design", "CALL cosim_design"])
        XCTAssertTrue(result.output.contains("***** C/RTL VALIDATION *****"))   // validation 1 in build_opt.tcl
    }

    func testResourceWeightsAreTransposed() throws {
        let files = try ProjectWriter.generate(tinyGraph(strategy: .resource, reuse: 3))
        let text = try XCTUnwrap(files.first { $0.path == "firmware/weights/w2.txt" })
        // weights[j * n_in + i]: column 0 = (0.5, 0, 2), column 1 = (1, -1, 0.25)
        XCTAssertEqual(text.contents, "0.5000000000, 0.0000000000, 2.0000000000, 1.0000000000, -1.0000000000, 0.2500000000\n")
        let parameters = try XCTUnwrap(files.first { $0.path == "firmware/parameters.h" })
        XCTAssertTrue(parameters.contents.contains("static const unsigned block_factor = 2;"))
        XCTAssertTrue(parameters.contents.contains("static const unsigned strategy = nnet::resource;"))
    }

    func testRewriteFailureKeepsOldProject() throws {
        let directory = HLSTestSupport.temporaryDirectory("atomic")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let project = directory + "/prj"
        try ProjectWriter.write(tinyGraph(), to: project)
        var broken = tinyGraph()
        broken.layers[0].resultType = .auto
        XCTAssertThrowsError(try ProjectWriter.write(broken, to: project)) { error in
            XCTAssertTrue("\(error)".contains("'result' is still 'auto'"), "\(error)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: project + "/firmware/myproject.cpp"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["prj"])
    }

    /// A rewrite replaces the whole project (no stale reports beside new sources); a folder that is
    /// not a project is never replaced.
    func testRewriteReplacesProjectAndRefusesForeignDirectories() throws {
        let directory = HLSTestSupport.temporaryDirectory("carry")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let project = directory + "/prj"
        try ProjectWriter.write(tinyGraph(), to: project)
        try FileManager.default.createDirectory(atPath: project + "/myproject_prj/solution1", withIntermediateDirectories: true)
        try "stale".write(toFile: project + "/firmware/parameters.h", atomically: true, encoding: .utf8)
        try ProjectWriter.write(tinyGraph(), to: project)
        XCTAssertFalse(FileManager.default.fileExists(atPath: project + "/myproject_prj"))
        XCTAssertNotEqual(try String(contentsOfFile: project + "/firmware/parameters.h", encoding: .utf8), "stale")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["prj"])

        let foreign = directory + "/notes"
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        try "mine".write(toFile: foreign + "/thesis.tex", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ProjectWriter.write(tinyGraph(), to: foreign)) {
            XCTAssertTrue("\($0)".contains("refusing to replace"), "\($0)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: foreign), ["thesis.tex"])
    }

    func testInvalidReuseFactorNamesNearestValidValues() throws {
        let t = FixedPointType.fixed(16, 6)
        let fc = HLSTestSupport.dense("fc1", index: 2, inputs: 16, outputs: 64, weights: [Float](repeating: 0.5, count: 1024),
                                      biases: [Float](repeating: 0, count: 64), type: t, reuse: 3, strategy: .resource)
        let graph = ModelGraph(inputName: "fc1_input", inputSize: 16, layers: [fc])
        XCTAssertThrowsError(try ProjectWriter.generate(graph)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("invalid ReuseFactor=3"), text)
            XCTAssertTrue(text.contains("2 or 4"), text)
            XCTAssertTrue(text.contains("fc1"), text)
        }
        // Facts §3.3's published lists.
        XCTAssertEqual(ReuseFactorRule.validValues(inputs: 32, outputs: 5), [1, 2, 4, 8, 16, 32, 160])
        XCTAssertEqual(ReuseFactorRule.validValues(inputs: 16, outputs: 64), (0...10).map { 1 << $0 })
        XCTAssertEqual(ReuseFactorRule.validValues(inputs: 128, outputs: 10), [1, 2, 4, 8, 16, 32, 64, 128, 256, 640, 1280])
    }

    func testInvalidNamesAndSizesAreUserErrors() {
        var graph = tinyGraph()
        graph.projectName = "my-project"
        XCTAssertThrowsError(try ProjectWriter.generate(graph)) { XCTAssertTrue($0 is UserError) }
        graph = tinyGraph()
        if case .dense(var dense) = graph.layers[0].operation {
            dense.weights.removeLast()
            graph.layers[0].operation = .dense(dense)
        }
        XCTAssertThrowsError(try ProjectWriter.generate(graph)) { XCTAssertTrue("\($0)".contains("has 5 weights"), "\($0)") }
    }

    /// The fast formatter must print exactly what FixedPointType.weightLiteral (Python's '{:.Nf}') prints.
    func testFastWeightFormattingMatchesWeightLiteral() {
        var generator = SystemRandomNumberGenerator()
        for digits in [0, 1, 2, 3, 5, 6, 10, 14, 17, 18, 20] {
            let type = FixedPointType.fixed(digits + 6, 6)
            for _ in 0..<300 {
                let value = Float.random(in: -40...40, using: &generator)
                XCTAssertEqual(WeightFormatter.literal(value, fractionalDigits: digits), type.weightLiteral(value))
            }
            // Exact ties (half-to-even), values that round to "-0.00", subnormals, large magnitudes.
            let specials: [Float] = [0.5, 1.5, 2.5, -2.5, 0.125, 0.375, -0.0, 0, -1e-7, 1e-7, Float.leastNonzeroMagnitude, -Float.leastNonzeroMagnitude,
                                     Float.leastNormalMagnitude, 0.0009765625, 123456.5, -8388607.5, 3.0e9,
                                     Float.greatestFiniteMagnitude]
            for value in specials {
                XCTAssertEqual(WeightFormatter.literal(value, fractionalDigits: digits), type.weightLiteral(value), "\(value) N=\(digits)")
            }
            for _ in 0..<300 {
                let value = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
                guard value.isFinite else { continue }
                XCTAssertEqual(WeightFormatter.literal(value, fractionalDigits: digits), type.weightLiteral(value), "\(value) N=\(digits)")
            }
        }
        XCTAssertEqual(WeightFormatter.literal(2.5, fractionalDigits: 0), "2")
        XCTAssertEqual(WeightFormatter.literal(-0.001, fractionalDigits: 2), "-0.00")
    }

    func testSoftmaxTableSizesFollowHls4ml() {
        let stable = SoftmaxTables(softmax: Softmax(size: 5), inputType: .fixed(16, 6))
        XCTAssertEqual(stable.tableSize, 1024)
        XCTAssertEqual(stable.expTableSize, 1024)
        XCTAssertEqual(stable.normalizedInputType, .ufixed(15, 5))
        let narrow = SoftmaxTables(softmax: Softmax(size: 5), inputType: .fixed(8, 3))
        XCTAssertEqual(narrow.tableSize, 1024)     // as given (the graph pass caps it, not the writer)
        XCTAssertEqual(narrow.expTableSize, 128)   // 2^(8-1)
        XCTAssertEqual(narrow.normalizedInputType, .ufixed(7, 2))
    }
}
