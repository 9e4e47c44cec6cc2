import ArgumentParser
import Foundation
import Pipeline
import Support

/// `pipeline train-and-build <pipeline.yml>`: data → trained model → HLS project → verified firmware.
struct TrainAndBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-and-build",
        abstract: "Run a pipeline file: train, prune/QAT, write the HLS project, simulate it bit-exactly, check parity, estimate, report.",
        discussion: "Stages are cached by the hash of their inputs under artifacts/<name>/cache: changing only the hls: section does not retrain, and an unchanged rerun only prints where the results are. Exit code 1 when the parity check fails.")

    @Argument(help: "Pipeline YAML file, e.g. pipelines/jets.yml.")
    var pipeline: String

    @Flag(help: "No progress output.")
    var quiet = false

    @Flag(help: "Print a JSON summary on stdout (progress goes to stderr).")
    var json = false

    func run() throws {
        let config = try PipelineConfig.load(file: pipeline)
        let summary = try PipelineRunner(config: config, options: RunOptions(quiet: quiet, json: json)).run()
        if json { print(try summary.jsonString()) }
        if !summary.passed {
            throw UserError("the firmware failed the parity check (see \(summary.report))", at: pipeline,
                            expected: "firmware within checks.max_auc_loss / max_accuracy_loss of the model")
        }
    }
}

/// `pipeline sweep <pipeline.yml> --sparsity 0.5,0.75,0.9,0.95`: retrain at new sparsity targets.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Warm-start from the trained model, retrain at each sparsity target, build and verify each, and report a Pareto plot.")

    @Argument(help: "Pipeline YAML file.")
    var pipeline: String

    @Option(help: "Comma-separated sparsity targets in [0, 1) (default: the file's sweep: block).")
    var sparsity: String?

    @Option(help: "Points run in parallel (default: the number of cores).")
    var jobs: Int?

    @Flag(help: "No progress output.")
    var quiet = false

    @Flag(help: "Print a JSON summary on stdout.")
    var json = false

    func run() throws {
        let config = try PipelineConfig.load(file: pipeline)
        var targets = config.sweep?.sparsity ?? []
        if let sparsity {
            targets = try sparsity.split(separator: ",").map { part in
                guard let value = Double(part.trimmingCharacters(in: .whitespaces)), value >= 0, value < 1 else {
                    throw UserError("invalid sparsity '\(part)'", at: "--sparsity", expected: "numbers in [0, 1) such as 0.5,0.75,0.9")
                }
                return value
            }
        }
        guard !targets.isEmpty else {
            throw UserError("no sparsity targets", at: pipeline, expected: "--sparsity 0.5,0.75,... or a sweep: {sparsity: [...]} block")
        }
        let summary = try SparsitySweep(config: config, targets: targets,
                                        options: RunOptions(quiet: quiet, json: json),
                                        jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount).run()
        if json { print(try summary.jsonString()) }
        if !summary.passed {
            throw UserError("at least one sweep point failed its parity check (see \(summary.report))", at: pipeline)
        }
    }
}

/// `pipeline evaluate <artifact-dir> --dataset <file>`: the trained model and its firmware on other data.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Accuracy and per-class AUC of a run's trained float model and of its firmware on another dataset file, with the stored scaler.")

    @Argument(help: "Artifact directory of a run, e.g. artifacts/jets.")
    var artifacts: String

    @Option(help: "Dataset file (ARFF, CSV, NPY/NPZ, HDF5, or a folder with X_test.npy/y_test.npy).")
    var dataset: String

    @Flag(help: "Drop bad rows instead of refusing the file.")
    var dropBadRows = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let result = try Evaluator.evaluate(artifactDirectory: artifacts, dataset: dataset, dropBadRows: dropBadRows)
        print(json ? try result.jsonString() : result.table())
    }
}

extension Encodable {
    func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
