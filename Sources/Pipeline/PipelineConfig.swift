import Foundation
import Support
import Yams

/// A parsed `pipelines/*.yml`: everything one `pipeline train-and-build` run needs.
///
/// Every section is validated on load (unknown keys name the nearest valid key and the line), so a
/// typo fails in a second instead of after an hour of training. Sections keep their YAML nodes so
/// stage cache keys can hash exactly what each stage reads.
public struct PipelineConfig: @unchecked Sendable {
    public var name: String
    public var file: String
    public var dataset: DatasetSection
    public var model: ModelSection
    public var training: TrainingSection
    public var pruning: PruningSection?
    public var quantization: QuantizationSection?
    /// hls4ml's configuration schema, verbatim (Backend, Part, ClockPeriod, IOType, HLSConfig...).
    public var hls: YAMLNode?
    public var checks: ChecksSection
    public var output: OutputSection
    public var sweep: SweepSection?
    /// Canonical text of each section, for cache keys.
    public var sectionText: [String: String]

    public static let topLevelKeys = ["name", "description", "dataset", "model", "training", "pruning",
                                      "quantization", "hls", "checks", "output", "sweep"]

    public static func load(file: String) throws -> PipelineConfig {
        try parse(try YAMLNode.load(file: file), file: file)
    }

    public static func parse(_ root: YAMLNode, file: String) throws -> PipelineConfig {
        try root.keys(allowed: topLevelKeys)
        let defaultName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let name = try root.string("name") ?? defaultName
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw root.child("name")?.error("invalid pipeline name '\(name)'", expected: "letters, digits, '-', '_' or '.'")
                ?? UserError("invalid pipeline name", at: file)
        }
        var sectionText: [String: String] = [:]
        for (key, value) in try root.entries() {
            sectionText[key] = (try? Yams.serialize(node: value.node)) ?? ""
        }
        return PipelineConfig(
            name: name, file: file,
            dataset: try DatasetSection(root.child("dataset"), file: file),
            model: try ModelSection(root.child("model"), file: file),
            training: try TrainingSection(root.child("training")),
            pruning: try root.child("pruning").map(PruningSection.init),
            quantization: try root.child("quantization").map(QuantizationSection.init),
            hls: root.child("hls"),
            checks: try ChecksSection(root.child("checks")),
            output: try OutputSection(root.child("output")),
            sweep: try root.child("sweep").map(SweepSection.init),
            sectionText: sectionText)
    }
}

/// `dataset:` where the jets come from and how they are prepared.
public struct DatasetSection: Sendable {
    public enum Source: String, Sendable, CaseIterable { case synthetic, arff, csv, npy, hdf5 }
    public var source: Source
    /// File (or folder for npy: X_train_val.npy, X_test.npy, ...) for real formats; resolved
    /// relative to the pipeline file's folder.
    public var path: String?
    /// Synthetic only: number of jets and generator seed.
    public var rows: Int
    public var seed: UInt64
    public var standardize: Bool
    public var dropBadRows: Bool
    public var testFraction: Double
    public var splitSeed: UInt64
    /// `numpy`: numpy's RandomState(seed).permutation, i.e. the tutorial's exact split.
    public var splitMethod: String
    /// Rows kept for evaluation of the firmware (0 = the whole test set).
    public var maxTestRows: Int

    init(_ node: YAMLNode?, file: String) throws {
        let node = node ?? YAMLNode(node: .mapping(.init([])), file: file, path: "dataset")
        try node.keys(allowed: ["source", "path", "rows", "seed", "preprocessing", "split", "max_test_rows"])
        source = Source(rawValue: try node.child("source")?.choice(Source.allCases.map(\.rawValue)) ?? "synthetic")!
        if let raw = try node.string("path") {
            path = raw.hasPrefix("/") ? raw : (((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(raw))
        }
        if source != .synthetic && path == nil {
            throw node.error("dataset source '\(source.rawValue)' needs a 'path'", expected: "path: <file> (see datasets/*.yml)")
        }
        rows = try node.int("rows") ?? 830_000
        guard rows >= 100 else { throw node.child("rows")!.error("too few rows (\(rows))", expected: "at least 100") }
        seed = UInt64(try node.int("seed") ?? 42)
        let preprocessing = node.child("preprocessing")
        try preprocessing?.keys(allowed: ["standardize", "drop_bad_rows"])
        standardize = try preprocessing?.bool("standardize") ?? true
        dropBadRows = try preprocessing?.bool("drop_bad_rows") ?? false
        let split = node.child("split")
        try split?.keys(allowed: ["test_fraction", "seed", "method"])
        testFraction = try split?.double("test_fraction") ?? 0.2
        guard testFraction > 0, testFraction < 1 else {
            throw split!.child("test_fraction")!.error("test_fraction must be between 0 and 1")
        }
        splitSeed = UInt64(try split?.int("seed") ?? 42)
        splitMethod = try split?.child("method")?.choice(["numpy", "shuffle"]) ?? "numpy"
        maxTestRows = try node.int("max_test_rows") ?? 0
    }
}

/// One layer of `model.layers`.
public enum LayerSpec: Sendable, Equatable {
    case dense(name: String, units: Int, activation: String?)
    case activation(name: String, function: String)
}

/// `model:` the network, Keras-style.
public struct ModelSection: Sendable {
    public var layers: [LayerSpec]
    public var kernelInitializer: String
    public var l1: Float
    public var l2: Float

    static let activations = ["linear", "relu", "sigmoid", "tanh", "softmax"]

    /// The tutorial's jet tagger: 16→64→32→32→5, ReLU, softmax.
    public static let tutorialLayers: [LayerSpec] = [
        .dense(name: "fc1", units: 64, activation: nil), .activation(name: "relu1", function: "relu"),
        .dense(name: "fc2", units: 32, activation: nil), .activation(name: "relu2", function: "relu"),
        .dense(name: "fc3", units: 32, activation: nil), .activation(name: "relu3", function: "relu"),
        .dense(name: "output", units: 5, activation: nil), .activation(name: "softmax", function: "softmax"),
    ]

    init(_ node: YAMLNode?, file: String) throws {
        guard let node else {
            layers = Self.tutorialLayers; kernelInitializer = "lecun_uniform"; l1 = 1e-4; l2 = 0
            return
        }
        try node.keys(allowed: ["layers", "kernel_initializer", "kernel_regularizer"])
        kernelInitializer = try node.child("kernel_initializer")?.choice(["lecun_uniform", "glorot_uniform", "he_normal", "zeros"]) ?? "lecun_uniform"
        if let regularizer = node.child("kernel_regularizer") {
            try regularizer.keys(allowed: ["l1", "l2"])
            l1 = Float(try regularizer.double("l1") ?? 0)
            l2 = Float(try regularizer.double("l2") ?? 0)
        } else {
            l1 = 1e-4; l2 = 0
        }
        guard let list = node.child("layers") else { layers = Self.tutorialLayers; return }
        var parsed: [LayerSpec] = []
        var names = Set<String>()
        for item in try list.array() {
            let entries = try item.entries()
            guard entries.count == 1, let (kind, body) = entries.first else {
                throw item.error("each layer is one `dense:` or `activation:` mapping")
            }
            let spec: LayerSpec
            switch kind {
            case "dense":
                try body.keys(allowed: ["name", "units", "activation"])
                let units = try body.require("units").int()
                guard units > 0 else { throw body.error("units must be positive") }
                spec = .dense(name: try body.string("name") ?? "dense\(parsed.count + 1)", units: units,
                              activation: try body.child("activation")?.choice(Self.activations))
            case "activation":
                try body.keys(allowed: ["name", "function"])
                let function = try body.require("function").choice(Self.activations)
                spec = .activation(name: try body.string("name") ?? "\(function)\(parsed.count + 1)", function: function)
            default:
                let hint = nearestName(to: kind, in: ["dense", "activation"]) ?? "dense"
                throw item.error("unknown layer type '\(kind)'", expected: "'\(hint)' (supported: dense, activation)")
            }
            let name: String
            switch spec { case .dense(let n, _, _), .activation(let n, _): name = n }
            guard names.insert(name).inserted else { throw item.error("duplicate layer name '\(name)'") }
            parsed.append(spec)
        }
        guard !parsed.isEmpty else { throw list.error("the model has no layers") }
        layers = parsed
    }
}

/// `training:` optimizer, schedule and callbacks (Keras vocabulary).
public struct TrainingSection: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: String
    public var learningRate: Float
    public var momentum: Float
    public var validationSplit: Double
    public var seed: UInt64
    public var earlyStoppingPatience: Int?
    public var restoreBestWeights: Bool
    public var reduceLR: ReduceLR?

    public struct ReduceLR: Sendable {
        public var factor: Float, patience: Int, minDelta: Float, cooldown: Int, minLR: Float
    }

    init(_ given: YAMLNode?) throws {
        try given?.keys(allowed: ["epochs", "batch_size", "optimizer", "learning_rate", "momentum",
                                  "validation_split", "seed", "callbacks"])
        let node = given ?? YAMLNode(node: .mapping(.init([])), file: "", path: "training")
        epochs = try node.int("epochs") ?? 30
        guard epochs > 0 else { throw node.child("epochs")!.error("epochs must be positive") }
        batchSize = try node.int("batch_size") ?? 1024
        guard batchSize > 0 else { throw node.child("batch_size")!.error("batch_size must be positive") }
        optimizer = try node.child("optimizer")?.choice(["adam", "sgd"]) ?? "adam"
        learningRate = Float(try node.double("learning_rate") ?? (optimizer == "adam" ? 1e-3 : 1e-2))
        momentum = Float(try node.double("momentum") ?? 0.9)
        validationSplit = try node.double("validation_split") ?? 0.25
        guard validationSplit >= 0, validationSplit < 1 else {
            throw node.child("validation_split")!.error("validation_split must be in [0, 1)")
        }
        seed = UInt64(try node.int("seed") ?? 0)
        earlyStoppingPatience = nil
        restoreBestWeights = false
        reduceLR = nil
        if let callbacks = node.child("callbacks") {
            try callbacks.keys(allowed: ["early_stopping", "reduce_lr_on_plateau"])
            if let early = callbacks.child("early_stopping") {
                try early.keys(allowed: ["patience", "restore_best_weights"])
                earlyStoppingPatience = try early.int("patience") ?? 10
                restoreBestWeights = try early.bool("restore_best_weights") ?? true
            }
            if let reduce = callbacks.child("reduce_lr_on_plateau") {
                try reduce.keys(allowed: ["factor", "patience", "min_delta", "cooldown", "min_lr"])
                reduceLR = ReduceLR(factor: Float(try reduce.double("factor") ?? 0.5),
                                    patience: try reduce.int("patience") ?? 10,
                                    minDelta: Float(try reduce.double("min_delta") ?? 1e-6),
                                    cooldown: try reduce.int("cooldown") ?? 2,
                                    minLR: Float(try reduce.double("min_lr") ?? 1e-7))
            }
        }
    }
}

/// `pruning:` tfmot-style magnitude pruning.
public struct PruningSection: Sendable {
    public enum Schedule: String, Sendable { case constantSparsity = "constant_sparsity", polynomialDecay = "polynomial_decay" }
    public var schedule: Schedule
    public var targetSparsity: Double
    public var initialSparsity: Double
    public var beginStep: Int
    public var endStep: Int
    public var frequency: Int
    /// Start from the trained float model (warm start) instead of training from scratch.
    public var warmStart: Bool
    /// Epochs of pruning training (default: training.epochs).
    public var epochs: Int?

    init(_ node: YAMLNode) throws {
        try node.keys(allowed: ["schedule", "target_sparsity", "initial_sparsity", "begin_step", "end_step",
                                "frequency", "warm_start", "epochs"])
        schedule = Schedule(rawValue: try node.child("schedule")?.choice(["constant_sparsity", "polynomial_decay"]) ?? "constant_sparsity")!
        targetSparsity = try node.double("target_sparsity") ?? 0.75
        guard targetSparsity >= 0, targetSparsity < 1 else {
            throw (node.child("target_sparsity") ?? node).error("target_sparsity must be in [0, 1)")
        }
        initialSparsity = try node.double("initial_sparsity") ?? 0
        beginStep = try node.int("begin_step") ?? 2000
        endStep = try node.int("end_step") ?? -1
        frequency = try node.int("frequency") ?? 100
        guard frequency > 0 else { throw node.child("frequency")!.error("frequency must be positive") }
        if schedule == .polynomialDecay && endStep < beginStep {
            throw node.error("polynomial_decay needs end_step ≥ begin_step", expected: "end_step: <step>")
        }
        warmStart = try node.bool("warm_start") ?? false
        epochs = try node.int("epochs")
    }
}

/// `quantization:` QKeras-style quantizers for quantization-aware training.
public struct QuantizationSection: Sendable {
    /// e.g. `quantized_bits(6,0,alpha=1)`.
    public var kernel: String
    public var bias: String
    /// e.g. `quantized_relu(6)`.
    public var activation: String

    init(_ node: YAMLNode) throws {
        try node.keys(allowed: ["kernel_quantizer", "bias_quantizer", "activation_quantizer"])
        kernel = try node.string("kernel_quantizer") ?? "quantized_bits(6,0,alpha=1)"
        bias = try node.string("bias_quantizer") ?? kernel
        activation = try node.string("activation_quantizer") ?? "quantized_relu(6)"
    }
}

/// `checks:` what must hold for the run to succeed.
public struct ChecksSection: Sendable {
    /// Largest allowed loss of AUC (absolute, any class) of the firmware against the model it implements.
    public var maxAUCLoss: Double
    /// Largest allowed loss of accuracy (absolute).
    public var maxAccuracyLoss: Double
    /// Cross-check the Swift simulator against g++ C-simulation of the generated project.
    public var csim: Bool
    public var csimSamples: Int
    /// Run vendor synthesis when vitis_hls/vivado_hls is available.
    public var synthesis: Bool

    init(_ node: YAMLNode?) throws {
        try node?.keys(allowed: ["max_auc_loss", "max_accuracy_loss", "csim", "csim_samples", "synthesis"])
        maxAUCLoss = try node?.double("max_auc_loss") ?? 0.005
        maxAccuracyLoss = try node?.double("max_accuracy_loss") ?? 0.01
        csim = try node?.bool("csim") ?? false
        csimSamples = try node?.int("csim_samples") ?? 2000
        synthesis = try node?.bool("synthesis") ?? false
    }
}

/// `output:` where artifacts go.
public struct OutputSection: Sendable {
    /// Root folder; the run writes `<dir>/<pipeline name>/`. Default `artifacts`.
    public var directory: String
    public var projectName: String

    init(_ node: YAMLNode?) throws {
        try node?.keys(allowed: ["dir", "project_name"])
        directory = try node?.string("dir") ?? "artifacts"
        projectName = try node?.string("project_name") ?? "myproject"
    }
}

/// `sweep:` batch retraining with new sparsity targets.
public struct SweepSection: Sendable {
    public var sparsity: [Double]

    init(_ node: YAMLNode) throws {
        try node.keys(allowed: ["sparsity"])
        sparsity = try node.require("sparsity").array().map { try $0.double() }
    }
}
