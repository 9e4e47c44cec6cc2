import Datasets
import FixedPoint
import Foundation
import HLS
import ModelGraph
import ModelIO
import Simulation
import Support
import Training

/// How a run talks to the user.
public struct RunOptions: Sendable {
    /// No progress output (errors still go to stderr).
    public var quiet: Bool
    /// Progress goes to stderr; stdout gets one JSON summary object.
    public var json: Bool
    /// Working directory that relative `output.dir` values are resolved against.
    public var workingDirectory: String

    public init(quiet: Bool = false, json: Bool = false,
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.quiet = quiet
        self.json = json
        self.workingDirectory = workingDirectory
    }
}

/// What `train-and-build` returns (and prints with `--json`).
public struct RunSummary: Codable, Sendable {
    public var name: String
    public var artifactDirectory: String
    public var report: String
    public var passed: Bool
    public var upToDate: Bool
    public var stagesRun: [String]
    public var stagesCached: [String]
    public var metrics: RunMetrics

    enum CodingKeys: String, CodingKey {
        case name, report, passed, metrics
        case artifactDirectory = "artifact_directory", upToDate = "up_to_date"
        case stagesRun = "stages_run", stagesCached = "stages_cached"
    }
}

/// `manifest.json`: what produced the artifacts, so a result can be traced and reproduced.
public struct RunManifest: Codable, Sendable {
    public var pipeline: String
    public var configFile: String
    public var configHash: String
    public var runKey: String
    public var seeds: [String: UInt64]
    public var versions: [String: String]
    public var stageKeys: [String: String]
    public var stageSeconds: [String: Double]
    public var cachedStages: [String]
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case pipeline, seeds, versions
        case configFile = "config_file", configHash = "config_hash", runKey = "run_key"
        case stageKeys = "stage_keys", stageSeconds = "stage_seconds", cachedStages = "cached_stages"
        case createdAt = "created_at"
    }
}

/// Runs a pipeline: data → train → prune → QAT → graph + HLS project → bit-exact simulation →
/// parity → estimate → C-simulation → synthesis → report. Every stage is cached by the hash of
/// its inputs under `artifacts/<name>/cache/`, so changing only `hls:` does not retrain and an
/// unchanged rerun only prints where the results are.
public final class PipelineRunner: @unchecked Sendable {
    public static let version = "hls4swift 0.1.0"

    public let config: PipelineConfig
    public let options: RunOptions
    public let artifactDirectory: URL
    let cache: StageCache
    var timings: [String: Double] = [:]
    var stagesRun: [String] = []
    var stagesCached: [String] = []
    var stageKeys: [String: String] = [:]

    /// Sweep points: start pruning from this trained model (the base run's final model) instead of
    /// training float/QAT models; `key` is that model's stage key.
    public var warmStart: (key: String, model: Training.Model)?

    public init(config: PipelineConfig, options: RunOptions = RunOptions(), cacheRoot: URL? = nil) {
        self.config = config
        self.options = options
        var root = config.output.directory
        if !root.hasPrefix("/") { root = (options.workingDirectory as NSString).appendingPathComponent(root) }
        artifactDirectory = URL(fileURLWithPath: root).appendingPathComponent(config.name)
        cache = StageCache(root: cacheRoot ?? artifactDirectory.appendingPathComponent("cache"))
    }

    // MARK: Output

    func say(_ text: String) {
        guard !options.quiet else { return }
        if options.json {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        } else {
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }
    }

    var trainingProgress: ProgressReporter {
        if options.quiet { return .silent }
        if !options.json && isatty(STDOUT_FILENO) != 0 { return .bar }
        return ProgressReporter { [self] event in
            if case .epochEnded(let log, let epochs) = event { say("    " + ProgressReporter.summary(log, epochs: epochs)) }
        }
    }

    /// Runs `body` as stage `name` with cache key `key`; records timing and whether it was cached.
    func stage(_ name: String, key: String, _ body: (URL) throws -> Void) throws -> URL {
        stageKeys[name] = key
        let start = Date()
        if cache.isComplete(stage: name, key: key) {
            stagesCached.append(name)
            say("  ✓ \(name) (cached)")
            return cache.directory(stage: name, key: key)
        }
        say("  ▸ \(name)")
        let result = try cache.materialize(stage: name, key: key, build: body)
        let seconds = Date().timeIntervalSince(start)
        timings[name] = seconds
        stagesRun.append(name)
        say(String(format: "  ✓ %@ (%.2f s)", name, seconds))
        return result.url
    }

    func text(_ section: String) -> String { config.sectionText[section] ?? "" }

    // MARK: Keys

    struct Keys {
        var data: String
        var float: String
        var pruned: String?
        var quantized: String?
        var hls: String
        var simulate: String
        var csim: String?
        var synthesis: String?
        var finalModel: String { quantized ?? pruned ?? float }
        var run: String
    }

    func computeKeys() throws -> Keys {
        var fingerprint = "synthetic"
        if let path = config.dataset.path {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw UserError("dataset file not found", at: path, expected: "the file named by dataset.path (see datasets/*.yml)")
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? []
                fingerprint = try names.map { try StageCache.fileDigest((path as NSString).appendingPathComponent($0)) }.joined()
            } else {
                fingerprint = try StageCache.fileDigest(path)
            }
        }
        let version = Self.version
        let data = StageCache.key(["data", version, text("dataset"), fingerprint])
        let float = StageCache.key(["train", version, data, text("model"), text("training"), "shards=\(ModelFactory.trainingShards)"])
        var pruned: String?
        if let pruning = config.pruning {
            pruned = StageCache.key(["prune", version, data, text("model"), text("training"), text("pruning"), "shards=\(ModelFactory.trainingShards)",
                                     warmStart?.key ?? (pruning.warmStart ? float : "")])
        }
        var quantized: String?
        if config.quantization != nil && warmStart == nil {
            quantized = StageCache.key(["qat", version, data, text("model"), text("training"), text("pruning"), text("quantization"),
                                        "shards=\(ModelFactory.trainingShards)"])
        }
        let finalModel = quantized ?? pruned ?? float
        let hls = StageCache.key(["hls", version, finalModel, text("hls"), config.output.projectName])
        let simulate = StageCache.key(["simulate", version, hls, data])
        let csim = config.checks.csim ? StageCache.key(["csim", version, hls, data, String(config.checks.csimSamples)]) : nil
        let synthesis = config.checks.synthesis ? StageCache.key(["synthesis", version, hls]) : nil
        let run = StageCache.key(["run", version, data, float, pruned ?? "", quantized ?? "", hls, simulate, csim ?? "",
                                  synthesis ?? "", text("checks"), text("output")])
        return Keys(data: data, float: float, pruned: pruned, quantized: quantized, hls: hls, simulate: simulate,
                    csim: csim, synthesis: synthesis, run: run)
    }

    // MARK: Run

    /// Fails fast on configuration mistakes that would otherwise surface only after training: the
    /// hls4ml config (unknown keys, bad precisions) and the ReuseFactor of every layer, checked by
    /// converting an untrained copy of the network (16 jet features assumed for the shapes).
    func preflight() throws {
        var hlsConfig = HLSConfig()
        if let node = config.hls { hlsConfig = try HLSConfig.parse(node: node.node, source: config.file) }
        let untrained = try ModelFactory.model(config.model, inputSize: JetDataset.standardFeatureNames.count, classes: nil,
                                               quantization: config.quantization, seed: 0, file: config.file)
        var keras = KerasModel(trained: untrained, name: config.name)
        if config.quantization != nil { (keras, hlsConfig) = try QATHandover.prepare(keras: keras, config: hlsConfig) }
        _ = try keras.makeModelGraph(config: hlsConfig)
    }

    public func run() throws -> RunSummary {
        let keys = try computeKeys()
        try preflight()
        let manifestURL = artifactDirectory.appendingPathComponent("manifest.json")
        let metricsURL = artifactDirectory.appendingPathComponent("metrics.json")
        let reportURL = artifactDirectory.appendingPathComponent("report.html")
        if let manifestData = try? Data(contentsOf: manifestURL),
           let manifest = try? JSONDecoder().decode(RunManifest.self, from: manifestData), manifest.runKey == keys.run,
           let metricsData = try? Data(contentsOf: metricsURL),
           let metrics = try? JSONDecoder().decode(RunMetrics.self, from: metricsData),
           FileManager.default.fileExists(atPath: reportURL.path) {
            say("\(config.name): up to date — nothing changed since the last run.")
            say("  report:  \(reportURL.path)")
            say("  metrics: \(metricsURL.path)")
            return RunSummary(name: config.name, artifactDirectory: artifactDirectory.path, report: reportURL.path,
                              passed: metrics.parity?.passed ?? true, upToDate: true, stagesRun: [],
                              stagesCached: Array(manifest.stageKeys.keys).sorted(), metrics: metrics)
        }
        say("pipeline \(config.name) → \(artifactDirectory.path)")
        var metrics = RunMetrics()
        var content = ReportContent(pipelineName: config.name, configFile: config.file, datasetDescription: "",
                                    classNames: [], metrics: metrics)

        // data
        let dataDirectory = try stage("data", key: keys.data) { dir in
            try PreparedData.prepare(config.dataset).write(to: dir)
        }
        let data = try PreparedData.read(from: dataDirectory)
        content.datasetDescription = data.description + " · \(data.trainCount) training / \(data.testCount) test jets"
        content.classNames = data.classNames
        if config.dataset.source == .synthetic {
            content.notes.append("Trained and evaluated on SYNTHETIC jets (the embedded default), not on the real OpenML 42468 sample: numbers show the method, not physics performance.")
        }
        metrics.testSamples = data.testCount
        let classes = data.classNames.count

        // models
        var variants: [(label: String, model: TrainedVariant)] = []
        var finalVariant: TrainedVariant
        if let warmStart, let pruning = config.pruning, let key = keys.pruned {
            finalVariant = try trainStage("prune", key: key, data: data, quantization: nil, pruning: pruning,
                                          warmStart: warmStart.model)
            variants.append(("pruned", finalVariant))
        } else {
            finalVariant = try trainStage("train", key: keys.float, data: data, quantization: nil, pruning: nil, warmStart: nil)
            variants.append(("float", finalVariant))
        }
        let floatModel = finalVariant
        if warmStart == nil, let pruning = config.pruning, let key = keys.pruned {
            let pruned = try trainStage("prune", key: key, data: data, quantization: nil, pruning: pruning,
                                        warmStart: pruning.warmStart ? floatModel.model : nil)
            variants.append(("pruned", pruned))
            finalVariant = pruned
        }
        if warmStart == nil, let quantization = config.quantization, let key = keys.quantized {
            let quantized = try trainStage("qat", key: key, data: data, quantization: quantization, pruning: config.pruning,
                                           warmStart: nil)
            variants.append(("quantized", quantized))
            finalVariant = quantized
        }
        for (label, variant) in variants {
            let value = Evaluation.metrics(outputs: variant.testOutputs, labels: data.testLabels, classNames: data.classNames)
            switch label {
            case "float": metrics.float = value
            case "pruned": metrics.pruned = value
            default: metrics.quantized = value
            }
            content.training.append(.init(phase: label, loss: variant.history.epochs.map(\.loss),
                                          validationLoss: variant.history.epochs.compactMap(\.valLoss),
                                          accuracy: variant.history.epochs.map(\.accuracy),
                                          validationAccuracy: variant.history.epochs.compactMap(\.valAccuracy)))
        }
        let report = finalVariant.model.sparsityReport()
        metrics.sparsity = SparsitySummary(total: report.sparsity,
                                           layers: Dictionary(uniqueKeysWithValues: report.layers.map { ($0.layer, $0.sparsity) }))

        // graph + HLS project
        let hlsDirectory = try stage("hls", key: keys.hls) { dir in
            var keras = KerasModel(trained: finalVariant.model, name: config.name)
            try keras.writeH5(to: dir.appendingPathComponent("model.h5").path)
            var hlsConfig = HLSConfig()
            if let node = config.hls { hlsConfig = try HLSConfig.parse(node: node.node, source: config.file) }
            if finalVariant.model.layers.contains(where: { $0.dense?.isQuantized ?? false }) {
                (keras, hlsConfig) = try QATHandover.prepare(keras: keras, config: hlsConfig)
            }
            var graph = try keras.makeModelGraph(config: hlsConfig)
            graph.projectName = config.output.projectName
            let testbenchRows = min(data.testCount, 100)
            let tbInputs = NPYArray(shape: [testbenchRows, data.featureCount],
                                    values: data.testFeatures[0..<(testbenchRows * data.featureCount)].map(Double.init),
                                    elementType: .float32)
            try ProjectWriter.write(graph, to: dir.appendingPathComponent("project").path,
                                    options: .init(projectName: config.output.projectName, inputData: tbInputs))
            try graph.write(to: dir.appendingPathComponent(ModelGraph.fileName).path)
        }
        let graph = try ModelGraph.read(from: hlsDirectory.appendingPathComponent(ModelGraph.fileName).path)

        // bit-exact simulation of the test set
        let testInputs = data.testFeatures.map(Double.init)
        let simulationDirectory = try stage("simulate", key: keys.simulate) { dir in
            let simulator = try Simulator(graph: graph)
            let result = try simulator.run(testInputs, options: SimulationOptions(countOverflows: true))
            try NPYArray(shape: [result.samples, result.outputSize], values: result.outputs, elementType: .float64)
                .write(path: dir.appendingPathComponent("firmware.npy").path)
            // The firmware's logits: the simulated outputs of the graph up to the last Dense.
            if let logitGraph = QATHandover.logitGraph(graph) {
                let logits = try Simulator(graph: logitGraph).predict(testInputs)
                try NPYArray(shape: [result.samples, logitGraph.outputSize], values: logits, elementType: .float64)
                    .write(path: dir.appendingPathComponent("firmware_logits.npy").path)
            }
            try AtomicFile.write(try JSONEncoder().encode(result.overflows ?? []), to: dir.appendingPathComponent("overflows.json"))
        }
        let firmware = try NPYArray.read(path: simulationDirectory.appendingPathComponent("firmware.npy").path)
        let firmwareOutputs = firmware.values.map(Float.init)
        let overflows = (try? JSONDecoder().decode([LayerOverflow].self,
                                                   from: Data(contentsOf: simulationDirectory.appendingPathComponent("overflows.json")))) ?? []
        metrics.firmware = Evaluation.metrics(outputs: firmwareOutputs, labels: data.testLabels, classNames: data.classNames)

        // parity
        let parityStart = Date()
        let reference = variants.last!.label
        let referenceMetrics = (reference == "quantized" ? metrics.quantized : reference == "pruned" ? metrics.pruned : metrics.float)!
        var parity = Evaluation.parity(reference: referenceMetrics, firmware: metrics.firmware!, referenceName: reference,
                                       referenceOutputs: finalVariant.testOutputs, firmwareOutputs: firmwareOutputs,
                                       classes: classes, checks: config.checks)
        if finalVariant.model.layers.contains(where: { $0.dense?.isQuantized ?? false }),
           let logits = try? NPYArray.read(path: simulationDirectory.appendingPathComponent("firmware_logits.npy").path) {
            parity.logitMismatches = try Evaluation.logitMismatches(model: finalVariant.model, graph: graph, inputs: testInputs,
                                                                   firmwareLogits: logits.values)
            if parity.logitMismatches != 0 { parity.passed = false }
        }
        metrics.parity = parity
        timings["parity"] = Date().timeIntervalSince(parityStart)

        // estimate
        let estimateStart = Date()
        let estimate = try Estimator.estimate(graph)
        metrics.estimate = ResourceSummary(estimate.total)
        content.resources = estimate.layers.map { .init(layer: $0.name, resources: ResourceSummary($0.resources)) }
        timings["estimate"] = Date().timeIntervalSince(estimateStart)

        // C-simulation cross-check
        if let key = keys.csim {
            let csimDirectory = try stage("csim", key: key) { dir in
                let count = min(config.checks.csimSamples, data.testCount)
                let inputs = NPYArray(shape: [count, data.featureCount], values: Array(testInputs[0..<(count * data.featureCount)]),
                                      elementType: .float64)
                let outputs = try CSimRunner.run(projectDirectory: hlsDirectory.appendingPathComponent("project").path, inputs: inputs)
                let expected = Array(firmware.values[0..<(count * graph.outputSize)])
                var mismatches = 0
                for sample in 0..<count {
                    let range = (sample * graph.outputSize)..<((sample + 1) * graph.outputSize)
                    if Array(outputs.values[range]) != Array(expected[range]) { mismatches += 1 }
                }
                try AtomicFile.write(try JSONEncoder().encode(CSimCheck(samples: count, mismatches: mismatches)),
                                     to: dir.appendingPathComponent("csim.json"))
                try outputs.write(path: dir.appendingPathComponent("csim.npy").path)
            }
            let check = try JSONDecoder().decode(CSimCheck.self, from: Data(contentsOf: csimDirectory.appendingPathComponent("csim.json")))
            metrics.csim = check
            if check.mismatches > 0 {
                say("  ✗ C-simulation differs from the Swift simulator on \(check.mismatches) of \(check.samples) samples")
            }
        }

        // vendor synthesis (optional)
        if config.checks.synthesis {
            let runner = BuildRunner()
            if (try? runner.tool(forProject: hlsDirectory.appendingPathComponent("project").path)) == nil {
                content.notes.append("checks.synthesis is on but no vitis_hls/vitis-run/vivado_hls is on PATH: synthesis skipped.")
                say("  – synthesis skipped: no vitis_hls/vivado_hls on PATH")
            } else if let key = keys.synthesis {
                _ = try stage("synthesis", key: key) { dir in
                    let project = dir.appendingPathComponent("project")
                    try FileManager.default.copyItem(at: hlsDirectory.appendingPathComponent("project"), to: project)
                    _ = try runner.build(projectDirectory: project.path)
                }
            }
        }

        // profiling and ROC curves for the report
        content.rocs = Evaluation.rocs(variants: [(reference, finalVariant.testOutputs), ("firmware", firmwareOutputs)],
                                       labels: data.testLabels, classNames: data.classNames)
        content.profiles = Profiling.profiles(graph: graph, inputs: testInputs, sampleLimit: 2000, overflows: overflows)

        // artifacts
        metrics.timings = timings
        content.metrics = metrics
        try writeArtifacts(keys: keys, metrics: metrics, content: content, data: data, variants: variants,
                           hlsDirectory: hlsDirectory, simulationDirectory: simulationDirectory)
        let passed = parity.passed && (metrics.csim?.mismatches ?? 0) == 0
        say(summaryText(metrics))
        say("  report:  \(reportURL.path)")
        return RunSummary(name: config.name, artifactDirectory: artifactDirectory.path, report: reportURL.path, passed: passed,
                          upToDate: false, stagesRun: stagesRun, stagesCached: stagesCached, metrics: metrics)
    }

    /// The trained model the firmware implements (after `run()`): its stage key and weights.
    public func finalModel() throws -> (key: String, model: Training.Model) {
        let keys = try computeKeys()
        let stageName = keys.quantized != nil ? "qat" : (keys.pruned != nil ? "prune" : "train")
        let directory = cache.directory(stage: stageName, key: keys.finalModel)
        let data = try Data(contentsOf: directory.appendingPathComponent("model.json"))
        return (keys.finalModel, try JSONDecoder().decode(Training.Model.self, from: data))
    }

    // MARK: Training stages

    struct TrainedVariant {
        var model: Training.Model
        var history: History
        var testOutputs: [Float]
    }

    func trainStage(_ name: String, key: String, data: PreparedData, quantization: QuantizationSection?,
                    pruning: PruningSection?, warmStart: Training.Model?) throws -> TrainedVariant {
        let directory = try stage(name, key: key) { dir in
            var model: Training.Model
            if let warmStart {
                model = warmStart
            } else {
                model = try ModelFactory.model(config.model, inputSize: data.featureCount, classes: data.classNames.count,
                                               quantization: quantization, seed: config.training.seed, file: config.file)
            }
            if let pruning { try model.prune(schedule: ModelFactory.pruningSchedule(pruning)) }
            let training = try LabeledData(features: data.trainFeatures, featureCount: data.featureCount, labels: data.trainLabels)
            // The checkpoint lives beside the stage folder so an interrupted run resumes mid-training.
            let checkpoint = cache.root.appendingPathComponent("\(name)-\(key.prefix(16)).checkpoint")
            let history = try model.fit(training, options: ModelFactory.fitOptions(config.training, epochs: pruning?.epochs,
                                                                                   checkpoint: checkpoint),
                                        progress: trainingProgress)
            if pruning != nil { model = model.strippingPruning() }
            let encoder = JSONEncoder()
            try AtomicFile.write(try encoder.encode(model), to: dir.appendingPathComponent("model.json"))
            try AtomicFile.write(try encoder.encode(history), to: dir.appendingPathComponent("history.json"))
            let outputs = try model.predict(data.testFeatures)
            try NPYArray(shape: [data.testCount, data.classNames.count], values: outputs.map(Double.init), elementType: .float32)
                .write(path: dir.appendingPathComponent("test_outputs.npy").path)
            try? FileManager.default.removeItem(at: checkpoint)
        }
        let decoder = JSONDecoder()
        let model = try decoder.decode(Training.Model.self, from: Data(contentsOf: directory.appendingPathComponent("model.json")))
        let history = try decoder.decode(History.self, from: Data(contentsOf: directory.appendingPathComponent("history.json")))
        let outputs = try NPYArray.read(path: directory.appendingPathComponent("test_outputs.npy").path).values.map(Float.init)
        return TrainedVariant(model: model, history: history, testOutputs: outputs)
    }

    // MARK: Artifacts

    func writeArtifacts(keys: Keys, metrics: RunMetrics, content: ReportContent, data: PreparedData,
                        variants: [(label: String, model: TrainedVariant)], hlsDirectory: URL, simulationDirectory: URL) throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: artifactDirectory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]

        // model.h5 (+ the scaler beside it, and inside as an attribute-free JSON file)
        try AtomicFile.write(try Data(contentsOf: hlsDirectory.appendingPathComponent("model.h5")),
                             to: artifactDirectory.appendingPathComponent("model.h5"))
        if let scaler = data.scaler {
            try AtomicFile.write(try encoder.encode(scaler), to: artifactDirectory.appendingPathComponent("scaler.json"))
        }
        // hls/<project>: replace atomically (copy to a temp sibling, swap)
        let hlsRoot = artifactDirectory.appendingPathComponent("hls")
        try fileManager.createDirectory(at: hlsRoot, withIntermediateDirectories: true)
        let projectTarget = hlsRoot.appendingPathComponent(config.output.projectName)
        let staging = hlsRoot.appendingPathComponent(".\(config.output.projectName).partial-\(getpid())")
        try? fileManager.removeItem(at: staging)
        try fileManager.copyItem(at: hlsDirectory.appendingPathComponent("project"), to: staging)
        try? fileManager.removeItem(at: projectTarget)
        try fileManager.moveItem(at: staging, to: projectTarget)
        // predictions
        let predictions = artifactDirectory.appendingPathComponent("predictions")
        for (label, variant) in variants {
            try NPYArray(shape: [data.testCount, data.classNames.count], values: variant.testOutputs.map(Double.init),
                         elementType: .float32).write(path: predictions.appendingPathComponent("\(label).npy").path)
        }
        try AtomicFile.write(try Data(contentsOf: simulationDirectory.appendingPathComponent("firmware.npy")),
                             to: predictions.appendingPathComponent("firmware.npy"))
        try NPYArray(shape: [data.testCount], values: data.testLabels.map(Double.init), elementType: .int32)
            .write(path: predictions.appendingPathComponent("labels.npy").path)
        // metrics, report, manifest (manifest last: it marks the run complete)
        try AtomicFile.write(try encoder.encode(metrics), to: artifactDirectory.appendingPathComponent("metrics.json"))
        try AtomicFile.write(HTMLReport.render(content), to: artifactDirectory.appendingPathComponent("report.html"))
        var stageSeconds = timings
        stageSeconds["total"] = timings.values.reduce(0, +)
        let manifest = RunManifest(
            pipeline: config.name, configFile: config.file,
            configHash: StageCache.key(PipelineConfig.topLevelKeys.map { text($0) }), runKey: keys.run,
            seeds: ["dataset": config.dataset.seed, "split": config.dataset.splitSeed, "training": config.training.seed],
            versions: ["hls4swift": Self.version, "swift": Self.swiftVersion, "ap_types": APTypes.wheelRequirement],
            stageKeys: stageKeys, stageSeconds: stageSeconds, cachedStages: stagesCached,
            createdAt: ISO8601DateFormatter().string(from: Date()))
        try AtomicFile.write(try encoder.encode(manifest), to: artifactDirectory.appendingPathComponent("manifest.json"))
    }

    static var swiftVersion: String {
        #if swift(>=6.3)
        return "6.3+"
        #elseif swift(>=6.0)
        return "6.x"
        #else
        return "5.x"
        #endif
    }

    func summaryText(_ metrics: RunMetrics) -> String {
        var lines: [String] = []
        func line(_ label: String, _ value: ClassifierMetrics?) {
            guard let value else { return }
            let aucs = value.auc.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: " ")
            let padded = label.padding(toLength: 10, withPad: " ", startingAt: 0)
            lines.append("  \(padded) " + String(format: "accuracy %.4f   AUC ", value.accuracy) + aucs)
        }
        line("float", metrics.float)
        line("pruned", metrics.pruned)
        line("quantized", metrics.quantized)
        line("firmware", metrics.firmware)
        if let parity = metrics.parity {
            lines.append(String(format: "  parity vs %@: %@ (max AUC loss %.4f, limit %.4f; argmax agreement %.4f)",
                                parity.reference, parity.passed ? "PASSED" : "FAILED", parity.maxAUCLoss, parity.thresholdAUC,
                                parity.argmaxAgreement) + (parity.logitMismatches.map { "; logit mismatches \($0)" } ?? ""))
        }
        if let csim = metrics.csim { lines.append("  C-simulation: \(csim.mismatches) mismatching samples of \(csim.samples)") }
        if let e = metrics.estimate {
            lines.append(String(format: "  estimate: DSP %.0f, LUT %.0f, FF %.0f, BRAM_18K %.0f, latency %.0f cycles (%.1f ns), II %.0f",
                                e.dsp, e.lut, e.ff, e.bram18k, e.latencyCycles, e.latencyNs, e.ii))
        }
        return lines.joined(separator: "\n")
    }
}

extension ResourceSummary {
    init(_ estimate: ResourceEstimate) {
        self.init(dsp: Double(estimate.dsp), lut: Double(estimate.lut), ff: Double(estimate.ff), bram18k: Double(estimate.bram18k),
                  latencyCycles: Double(estimate.latencyCycles), latencyNs: estimate.latencyNs, ii: Double(estimate.ii))
    }
}
