import XCTest
import TestSupport
import Foundation
import FixedPoint
import Support
@testable import ModelGraph

final class HLSConfigTests: XCTestCase {
    let full = """
    Backend: Vitis
    Part: xcu250-figd2104-2L-e
    ClockPeriod: 4.5
    IOType: io_stream
    ProjectName: jets
    OutputDir: out/hls
    InputData: x.npy
    OutputPredictions: y.npy
    WriterConfig:
      WriteWeightsTxt: false
      Namespace: hls4ml_jets
    HLSConfig:
      Model:
        Precision:
          default: fixed<16,6>
          maximum: fixed<24,12>
          accum: fixed<20,8>
        ReuseFactor: 2
        Strategy: resource
        BramFactor: 1000000000
        TraceOutput: false
      LayerType:
        Dense:
          Precision: fixed<12,4>
          ReuseFactor: 4
        Softmax:
          Implementation: latency
          table_size: 512
      LayerName:
        fc1:
          Precision:
            weight: ufixed<8,1,RND,SAT>
          Trace: true
        softmax:
          Precision: fixed<16,6,RND,SAT>
          exp_table_t: ap_fixed<18,8>
          inv_table_t: ap_fixed<18,4>
          TableSize: 2048
          Skip: False
    """

    func testParsesEveryDocumentedKey() throws {
        let config = try HLSConfig.parse(yaml: full, source: "full.yml")
        XCTAssertEqual(config.backend, .vitis)
        XCTAssertEqual(config.part, "xcu250-figd2104-2L-e")
        XCTAssertEqual(config.clockPeriod, 4.5)
        XCTAssertEqual(config.ioType, .stream)
        XCTAssertEqual(config.projectName, "jets")
        XCTAssertEqual(config.outputDir, "out/hls")
        XCTAssertEqual(config.inputData, "x.npy")
        XCTAssertEqual(config.writer.writeWeightsTxt, false)
        XCTAssertEqual(config.writer.namespace, "hls4ml_jets")
        XCTAssertEqual(config.target.clockUncertainty, "27%", "Vitis default")
        XCTAssertEqual(config.model.strategy, .resource)
        XCTAssertEqual(config.model.reuseFactor, 2)
        XCTAssertEqual(config.maximumPrecision, .fixed(.fixed(24, 12)))
        XCTAssertEqual(config.layerType["Softmax"]?.tableSize, 512, "snake_case key")
        XCTAssertEqual(config.layerName["softmax"]?.tableSize, 2048)
        XCTAssertEqual(config.layerName["softmax"]?.namedTypes["inv_table"], .fixed(.fixed(18, 4)))
        XCTAssertEqual(config.layerName["softmax"]?.skip, false)
        XCTAssertEqual(config.layerName["fc1"]?.trace, true)
        XCTAssertTrue(config.warnings.isEmpty)
    }

    /// hls4ml's get_precision order: LayerName[v] → LayerName default → LayerType[v] → LayerType default
    /// → Model[v] → Model default, with the type name telling where it came from.
    func testPrecisionLookupOrder() throws {
        let config = try HLSConfig.parse(yaml: full, source: "full.yml")
        let dense = ["Dense"]
        XCTAssertEqual(config.precision("weight", layer: "fc1", types: dense),
                       ResolvedPrecision(precision: .fixed(.ufixed(8, 1, .rnd, .sat)), typeName: "fc1_weight_t", source: .layerName))
        // fc1 has a Precision dict without default → falls through to LayerType Dense's default.
        XCTAssertEqual(config.precision("bias", layer: "fc1", types: dense),
                       ResolvedPrecision(precision: .fixed(.fixed(12, 4)), typeName: "Dense_bias_t", source: .layerType))
        XCTAssertEqual(config.precision("result", layer: "softmax", types: ["Softmax", "Activation"]).precision,
                       .fixed(.fixed(16, 6, .rnd, .sat)))
        XCTAssertEqual(config.precision("accum", layer: "relu1", types: ["Activation"]),
                       ResolvedPrecision(precision: .fixed(.fixed(20, 8)), typeName: "accum_default_t", source: .model))
        XCTAssertEqual(config.precision("result", layer: "relu1", types: ["Activation"]),
                       ResolvedPrecision(precision: .fixed(.fixed(16, 6)), typeName: "model_default_t", source: .model))
        XCTAssertTrue(config.hasExplicitPrecision("weight", layer: "fc1", types: dense))
        XCTAssertFalse(config.hasExplicitPrecision("bias", layer: "fc1", types: dense))
        // ReuseFactor/Strategy: LayerName → LayerType → Model.
        XCTAssertEqual(config.reuseFactor(layer: "fc1", types: dense), 4)
        XCTAssertEqual(config.reuseFactor(layer: "relu1", types: ["Activation"]), 2)
        XCTAssertEqual(config.reuseFactorLocation(layer: "fc1", types: dense), "full.yml:25")
        XCTAssertEqual(config.strategy(layer: "fc1", types: dense), .resource)
        XCTAssertEqual(config.setting(\.implementation, layer: "softmax", types: ["Softmax"]), .latency)
        XCTAssertEqual(config.namedType("exp_table", layer: "softmax", types: ["Softmax"]), .fixed(.fixed(18, 8)))
    }

    func testDefaultsWhenEmpty() throws {
        let config = try HLSConfig.parse(yaml: "", source: "empty.yml")
        XCTAssertEqual(config.backend, .vivado)
        XCTAssertEqual(config.part, "xcvu13p-flga2577-2-e")
        XCTAssertEqual(config.clockPeriod, 5)
        XCTAssertEqual(config.target.clockUncertainty, "12.5%")
        XCTAssertEqual(config.precision("result", layer: "x", types: []).precision, .fixed(.fixed(16, 6)))
        XCTAssertEqual(config.reuseFactor(layer: "x", types: []), 1)
        XCTAssertEqual(config.strategy(layer: "x", types: []), .latency)
        // A Model block without Precision keeps the default precision.
        let partial = try HLSConfig.parse(yaml: "HLSConfig:\n  Model:\n    ReuseFactor: 8\n", source: "p.yml")
        XCTAssertEqual(partial.precision("result", layer: "x", types: []).precision, .fixed(.fixed(16, 6)))
        XCTAssertEqual(partial.reuseFactor(layer: "x", types: []), 8)
    }

    func testUnknownKeysNameTheNearestAndTheLine() {
        let yaml = """
        Backend: Vivado
        HLSConfig:
          LayerName:
            fc1:
              Percision: fixed<8,3>
        """
        assertUserError(try HLSConfig.parse(yaml: yaml, source: "hls.yml"),
                        contains: "hls.yml:5", "unknown key 'Percision'", "expected 'Precision'")
        assertUserError(try HLSConfig.parse(yaml: "ClokPeriod: 5\n", source: "a.yml"), contains: "a.yml:1", "'ClockPeriod'")
        assertUserError(try HLSConfig.parse(yaml: "HLSConfig:\n  Modle: {}\n", source: "b.yml"), contains: "b.yml:2", "'Model'")
        assertUserError(try HLSConfig.parse(yaml: "HLSConfig:\n  Model:\n    Precision:\n      wieght: fixed<8,3>\n", source: "c.yml"),
                        contains: "c.yml:4", "'weight'")
        assertUserError(try HLSConfig.parse(yaml: "WriterConfig:\n  WriteWeightTxt: true\n", source: "d.yml"),
                        contains: "'WriteWeightsTxt'")
    }

    func testBadValues() {
        assertUserError(try HLSConfig.parse(yaml: "Backend: Quartus\n", source: "x.yml"), contains: "x.yml:1", "Vivado or Vitis")
        assertUserError(try HLSConfig.parse(yaml: "IOType: io_serial\n", source: "x.yml"), contains: "io_parallel or io_stream")
        assertUserError(try HLSConfig.parse(yaml: "HLSConfig:\n  Model:\n    Strategy: distributed_arithmetic\n", source: "x.yml"),
                        contains: "x.yml:3", "Latency or Resource")
        assertUserError(try HLSConfig.parse(yaml: "HLSConfig:\n  Model:\n    ReuseFactor: 0\n", source: "x.yml"), contains: "at least 1")
        assertUserError(try HLSConfig.parse(yaml: "HLSConfig:\n  Model:\n    ReuseFactor: two\n", source: "x.yml"), contains: "not an integer")
        assertUserError(try HLSConfig.parse(yaml: "HLSConfig:\n  Model:\n    Precision: fixed<16;6>\n", source: "x.yml"),
                        contains: "x.yml:3", "malformed precision")
        assertUserError(try HLSConfig.parse(yaml: "ProjectName: 2fast\n", source: "x.yml"), contains: "C identifier")
        assertUserError(try HLSConfig.parse(yaml: "Part:\n", source: "x.yml"), contains: "x.yml:1", "missing value")
        // A null layer key keeps the default; a null unknown key is still reported.
        XCTAssertNil(try HLSConfig.parse(yaml: "HLSConfig:\n  LayerName:\n    fc1:\n      Trace:\n", source: "x.yml").layerName["fc1"]?.trace)
        assertUserError(try HLSConfig.parse(yaml: "HLSConfig:\n  LayerName:\n    fc1:\n      Trase:\n", source: "x.yml"), contains: "'Trace'")
        assertUserError(try HLSConfig.parse(yaml: "Backend: [a, b\n", source: "x.yml"), contains: "malformed YAML")
        assertUserError(try HLSConfig.parse(yaml: "HLSConfig:\n  LayerName:\n    sm:\n      Implementation: fastest\n", source: "x.yml"),
                        contains: "stable")
    }

    func testIgnoredTableTypesInPrecisionDictWarn() throws {
        let yaml = "HLSConfig:\n  LayerName:\n    softmax:\n      Precision:\n        exp_table: fixed<18,8>\n"
        let config = try HLSConfig.parse(yaml: yaml, source: "w.yml")
        XCTAssertEqual(config.warnings.count, 1)
        XCTAssertTrue(config.warnings[0].contains("exp_table_t"))
        XCTAssertNil(config.namedType("exp_table", layer: "softmax", types: ["Softmax"]))
    }

    func testDictionaryInput() throws {
        let config = try HLSConfig.parse(dictionary: [
            "IOType": "io_parallel",
            "ClockPeriod": 10,
            "HLSConfig": ["Model": ["Precision": "ap_fixed<10,4>", "ReuseFactor": 4, "Strategy": "Resource"],
                          "LayerName": ["fc1": ["Trace": true, "Precision": ["result": "fixed<8,3,RND,SAT>"]]]],
        ])
        XCTAssertEqual(config.clockPeriod, 10)
        XCTAssertEqual(config.model.precision?.default, .fixed(.fixed(10, 4)))
        XCTAssertEqual(config.reuseFactor(layer: "fc1", types: ["Dense"]), 4)
        XCTAssertEqual(config.layerName["fc1"]?.trace, true)
        XCTAssertEqual(config.precision("result", layer: "fc1", types: ["Dense"]).precision, .fixed(.fixed(8, 3, .rnd, .sat)))
        assertUserError(try HLSConfig.parse(dictionary: ["HLSConfig": ["Model": ["ReuseFactr": 1]]]), contains: "'ReuseFactor'")
    }

    func testTutorialQKerasConfigFile() throws {
        let path = "../shared/data/keras/qkeras_3layer_config.yml"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) not present") }
        let config = try HLSConfig.load(path: path)
        XCTAssertEqual(config.kerasJson, "keras/qkeras_3layer.json")
        let resolved = config.resolvePath(config.kerasJson!)
        XCTAssertTrue(FileManager.default.fileExists(atPath: resolved), "relative to the config's parent folder: \(resolved)")
        XCTAssertTrue(resolved.hasSuffix("keras/qkeras_3layer.json"))
        XCTAssertEqual(config.layerName["softmax"]?.tableSize, 1024)
        XCTAssertEqual(config.precision("result", layer: "relu1", types: ["Activation"]).precision,
                       .fixed(.fixed(7, 1, .rndConv, .sat)))
        XCTAssertEqual(config.precision("weight", layer: "fc2", types: ["Dense"]).precision, .fixed(.fixed(6, 1)))
        assertUserError(try HLSConfig.load(path: "/nonexistent/hls.yml"), contains: "config file not found")
    }
}
