import ArgumentParser
import Foundation
import ModelGraph
import Simulation
import Support

/// `pipeline simulate <project-dir> --input X --output Y`: the firmware's outputs, bit-exact, without a vendor tool.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Predict the firmware's outputs bit-exactly (fixed-point simulation of the HLS project's model graph).")

    @Argument(help: "HLS project directory (with hls4swift_graph.json) or the graph file itself.")
    var project: String

    @Option(name: .long, help: "Input features: .npy (samples × features), .csv or .dat (space-separated rows).")
    var input: String

    @Option(name: .long, help: "Output file: float32 .npy of the firmware outputs (samples × outputs).")
    var output: String

    @Flag(name: .long, help: "Round inputs to float32 first, as the C testbench (atof into float) does.")
    var float32Inputs = false

    @Option(name: .long, help: "Also write the logits (softmax input) as float32 .npy.")
    var logits: String?

    @Flag(name: .long, help: "Print per-layer overflow counts (values that wrapped or saturated).")
    var overflows = false

    @Option(name: .long, help: "Write every layer's output as <dir>/<layer>.npy (float32), like hls4ml's trace.")
    var traceDir: String?

    func run() throws {
        guard output.lowercased().hasSuffix(".npy") else {
            throw UserError("unsupported output file type", at: output, expected: "a .npy output path")
        }
        if let logits, !logits.lowercased().hasSuffix(".npy") {
            throw UserError("unsupported logits file type", at: logits, expected: "a .npy path")
        }
        let graph = try ModelGraph.read(from: project)
        let simulator = try Simulator(graph: graph)
        let matrix = try InputMatrix.read(path: input)
        guard matrix.columns == simulator.inputSize else {
            throw UserError("input has \(matrix.columns) features per row", at: input,
                            expected: "\(simulator.inputSize) features (the model's input '\(graph.inputName)')")
        }
        let options = SimulationOptions(roundInputsToFloat32: float32Inputs, trace: traceDir != nil, keepLogits: logits != nil,
                                        countOverflows: overflows)
        let result = try simulator.run(matrix.values, options: options)
        try NPYArray(shape: [result.samples, result.outputSize], values: result.outputs, elementType: .float32).write(path: output)
        if let logits, let values = result.logits {
            try NPYArray(shape: [result.samples, values.count / max(result.samples, 1)], values: values, elementType: .float32)
                .write(path: logits)
        } else if logits != nil {
            FileHandle.standardError.write(Data("warning: the model has no softmax; no logits written\n".utf8))
        }
        if let traceDir, let trace = result.trace {
            for (layer, values) in trace {
                let columns = values.count / max(result.samples, 1)
                let path = (traceDir as NSString).appendingPathComponent("\(layer).npy")
                try NPYArray(shape: [result.samples, columns], values: values, elementType: .float32).write(path: path)
            }
        }
        print("simulated \(result.samples) samples of \(graph.projectName) -> \(output) (\(result.samples)×\(result.outputSize), float32)")
        if let counts = result.overflows {
            for layer in counts {
                let accumulator = layer.accumulatorCasts > 0 ? ", accumulator \(layer.accumulatorOverflows)/\(layer.accumulatorCasts)" : ""
                print("  \(layer.layer) (\(layer.index)): result \(layer.resultOverflows)/\(layer.resultCasts)\(accumulator)")
            }
        }
    }
}
