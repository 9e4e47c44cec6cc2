import Foundation
import Support
import Training
import Yams

/// Batch retraining with new sparsity targets: warm-start every point from the base run's trained
/// model, prune it to the target (tfmot ConstantSparsity from step 0), build and verify the firmware,
/// then summarize AUC against DSPs and latency with the Pareto front.
public struct SparsitySweep: Sendable {
    public var config: PipelineConfig
    public var targets: [Double]
    public var options: RunOptions
    public var jobs: Int

    public init(config: PipelineConfig, targets: [Double], options: RunOptions, jobs: Int) {
        self.config = config
        self.targets = targets
        self.options = options
        self.jobs = max(1, jobs)
    }

    public struct Point: Codable, Sendable {
        public var sparsity: Double
        public var artifactDirectory: String
        public var accuracy: Double
        public var meanAUC: Double
        public var auc: [String: Double]
        public var dsp: Double
        public var latencyNs: Double
        public var passed: Bool

        enum CodingKeys: String, CodingKey {
            case sparsity, accuracy, auc, dsp, passed
            case artifactDirectory = "artifact_directory", meanAUC = "mean_auc", latencyNs = "latency_ns"
        }
    }

    public struct Summary: Codable, Sendable {
        public var name: String
        public var report: String
        public var passed: Bool
        public var points: [Point]
    }

    /// A copy of the pipeline whose pruning block is the sweep point's target (warm start, from step 0).
    func pointConfig(_ target: Double) throws -> PipelineConfig {
        var point = config
        point.name = "\(config.name)_sparsity_\(String(format: "%.2f", target))"
        let frequency = config.pruning?.frequency ?? 100
        let yaml = "schedule: constant_sparsity\ntarget_sparsity: \(target)\nbegin_step: 0\nfrequency: \(frequency)\nwarm_start: true\n"
            + (config.pruning?.epochs.map { "epochs: \($0)\n" } ?? "")
        let node = try YAMLNode.parse(yaml, file: config.file)
        point.pruning = try PruningSection(YAMLNode(node: node.node, file: config.file, path: "pruning"))
        point.sectionText["pruning"] = yaml
        point.sweep = nil
        return point
    }

    public func run() throws -> Summary {
        let quiet = options.quiet
        let say: @Sendable (String) -> Void = { text in
            guard !quiet else { return }
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
        let base = PipelineRunner(config: config, options: options)
        say("sweep \(config.name): base run")
        _ = try base.run()
        let warmStart = try base.finalModel()
        let cacheRoot = base.artifactDirectory.appendingPathComponent("cache")
        let configs = try targets.map(pointConfig)
        final class Results: @unchecked Sendable {
            var values: [Result<Point, Error>?]
            let lock = NSLock()
            init(_ count: Int) { values = Array(repeating: nil, count: count) }
        }
        let box = Results(configs.count)
        let limiter = DispatchSemaphore(value: jobs)
        let quietPoints = RunOptions(quiet: true, json: options.json, workingDirectory: options.workingDirectory)
        DispatchQueue.concurrentPerform(iterations: configs.count) { index in
            limiter.wait()
            defer { limiter.signal() }
            let pointConfig = configs[index]
            say("sweep \(config.name): sparsity \(targets[index]) → \(pointConfig.name)")
            let result = Result<Point, Error> {
                let runner = PipelineRunner(config: pointConfig, options: quietPoints, cacheRoot: cacheRoot)
                runner.warmStart = warmStart
                let summary = try runner.run()
                let metrics = summary.metrics
                let firmware = metrics.firmware ?? ClassifierMetrics(accuracy: 0, auc: [:])
                let meanAUC = firmware.auc.values.reduce(0, +) / Double(max(firmware.auc.count, 1))
                return Point(sparsity: targets[index], artifactDirectory: summary.artifactDirectory, accuracy: firmware.accuracy,
                             meanAUC: meanAUC, auc: firmware.auc, dsp: metrics.estimate?.dsp ?? 0,
                             latencyNs: metrics.estimate?.latencyNs ?? 0, passed: summary.passed)
            }
            box.lock.lock()
            box.values[index] = result
            box.lock.unlock()
        }
        var points: [Point] = []
        for result in box.values {
            switch result! {
            case .success(let point): points.append(point)
            case .failure(let error): throw error
            }
        }
        var content = ReportContent(pipelineName: "\(config.name) — sparsity sweep", configFile: config.file,
                                    datasetDescription: "warm-started from \(base.artifactDirectory.path)", classNames: [],
                                    metrics: RunMetrics())
        content.sweep = points.map { .init(sparsity: $0.sparsity, meanAUC: $0.meanAUC, accuracy: $0.accuracy, dsp: $0.dsp,
                                            latencyNs: $0.latencyNs, passed: $0.passed) }
        content.links = points.map { point in
            let folder = URL(fileURLWithPath: point.artifactDirectory).lastPathComponent
            return ("sparsity \(point.sparsity): full report of this point", "../\(folder)/report.html")
        }
        let reportURL = base.artifactDirectory.appendingPathComponent("sweep_report.html")
        try AtomicFile.write(HTMLReport.render(content), to: reportURL)
        let summary = Summary(name: config.name, report: reportURL.path, passed: points.allSatisfy(\.passed), points: points)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(summary), to: base.artifactDirectory.appendingPathComponent("sweep.json"))
        if !options.quiet {
            var table = "sparsity  accuracy  mean AUC   DSP (est.)  latency ns  parity\n"
            for p in points.sorted(by: { $0.sparsity < $1.sparsity }) {
                table += String(format: "%8.2f  %8.4f  %8.4f  %10.0f  %10.1f  %@\n", p.sparsity, p.accuracy, p.meanAUC, p.dsp,
                                p.latencyNs, p.passed ? "passed" : "FAILED")
            }
            say(table + "report: \(reportURL.path)")
        }
        return summary
    }
}
