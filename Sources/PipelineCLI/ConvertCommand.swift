import ArgumentParser
import Foundation
import HLS
import ModelGraph
import ModelIO
import Support

/// `pipeline convert <model.json|model.h5> [--weights W.h5] --config hls.yml --output-dir DIR`:
/// Keras model + hls4ml config → HLS project (plus the graph file `pipeline simulate` reads).
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a Keras model with an hls4ml config into a Vivado/Vitis HLS project."
    )

    @Argument(help: "Keras architecture .json (with --weights) or a full-model .h5.")
    var model: String

    @Option(name: .long, help: "Weights .h5 (model.save_weights) for a .json architecture.")
    var weights: String?

    @Option(name: .long, help: "hls4ml YAML config (Backend, Part, ClockPeriod, IOType, HLSConfig, ...).")
    var config: String?

    @Option(name: .long, help: "Project directory (default: the config's OutputDir).")
    var outputDir: String?

    @Option(name: .long, help: "Project / top-function name (default: the config's ProjectName, else myproject).")
    var projectName: String?

    @Option(name: .long, help: "Testbench inputs (.npy or .dat), overriding the config's InputData.")
    var inputData: String?

    @Option(name: .long, help: "Testbench expected outputs (.npy or .dat), overriding the config's OutputPredictions.")
    var outputPredictions: String?

    func run() throws {
        let start = Date()
        let summary = try Converter.convert(model: model, weights: weights, config: config, outputDir: outputDir,
                                            projectName: projectName, inputData: inputData,
                                            outputPredictions: outputPredictions)
        for warning in summary.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        let milliseconds = Date().timeIntervalSince(start) * 1000
        let layers = summary.graph.layers.map { "\($0.name)(\($0.index))" }.joined(separator: " → ")
        print("wrote HLS project '\(summary.graph.projectName)' to \(summary.directory) in \(String(format: "%.1f", milliseconds)) ms")
        print("layers: \(summary.graph.inputName)(1) → \(layers)")
    }
}

/// The conversion steps shared by `convert` and `bench convert`.
enum Converter {
    struct Summary {
        var graph: ModelGraph
        var directory: String
        var warnings: [String]
    }

    static func convert(model: String, weights: String?, config configPath: String?, outputDir: String?,
                        projectName: String?, inputData: String?, outputPredictions: String?) throws -> Summary {
        var config = try configPath.map { try HLSConfig.load(path: $0) } ?? HLSConfig()
        if let projectName { config.projectName = projectName }
        let keras = try KerasModel.load(path: model, weights: weights)
        let graph = try keras.makeModelGraph(config: config)
        let directory = outputDir ?? config.resolvedOutputDirectory
        var options = ProjectWriter.Options(version: config.version, writeWeightsText: config.writer.writeWeightsTxt)
        if let path = inputData ?? config.inputData.map(config.resolvePath) {
            options.inputData = try readSamples(path, columns: graph.inputSize)
        }
        if let path = outputPredictions ?? config.outputPredictions.map(config.resolvePath) {
            options.outputPredictions = try readSamples(path, columns: graph.outputSize)
        }
        try ProjectWriter.write(graph, to: directory, options: options)
        return Summary(graph: graph, directory: directory, warnings: config.warnings)
    }

    /// A .npy array, or hls4ml's .dat text (one sample per line, numbers separated by spaces).
    static func readSamples(_ path: String, columns: Int) throws -> NPYArray {
        if !path.lowercased().hasSuffix(".dat") { return try NPYArray.read(path: path) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw UserError("cannot read file", at: path, expected: "a .dat file with one sample per line")
        }
        var values: [Double] = []
        var rows = 0
        for (number, line) in text.split(separator: "\n").enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == columns else {
                throw UserError("line \(number + 1) has \(fields.count) values", at: path, expected: "\(columns) per sample")
            }
            for field in fields {
                guard let value = Double(field) else {
                    throw UserError("'\(field)' is not a number (line \(number + 1))", at: path)
                }
                values.append(value)
            }
            rows += 1
        }
        return NPYArray(shape: [rows, columns], values: values)
    }
}

extension HLSConfig {
    /// `OutputDir` as the config gives it (relative to the working directory, as in hls4ml).
    var resolvedOutputDirectory: String { outputDir }
}
