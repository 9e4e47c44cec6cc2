import ArgumentParser
import Foundation
import HLS
import ModelGraph
import ModelIO
import Support
import Training

/// `pipeline bench convert --json`: time Keras load + conversion + project write for the jet tagger.
/// The last line of output is a JSON object with `ms` (median of the runs, end to end: config and
/// Keras files read, graph built with the hls4ml passes, project written into a new directory).
struct BenchConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Benchmark convert + write of the jet-tagger HLS project (median milliseconds)."
    )

    @Option(name: .long, help: "Keras model (default: ../shared/data/keras/KERAS_3layer.json, or, where that is absent, a freshly initialized tutorial jet tagger saved as Keras .h5).")
    var model: String?

    @Option(name: .long, help: "Weights .h5 (default: KERAS_3layer_weights.h5 next to the default model).")
    var weights: String?

    @Option(name: .long, help: "hls4ml YAML config (default: hls4ml defaults, fixed<16,6>, RF 1).")
    var config: String?

    @Option(name: .long, help: "Timed runs.")
    var runs: Int = 20

    @Flag(name: .long, help: "Print a JSON object on the last line.")
    var json = false

    func run() throws {
        let defaultModel = "../shared/data/keras/KERAS_3layer.json"
        var modelPath = model ?? defaultModel
        var weightsPath = weights ?? (model == nil ? "../shared/data/keras/KERAS_3layer_weights.h5" : nil)
        guard runs >= 1 else { throw UserError("--runs \(runs)", at: "--runs", expected: "at least 1") }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hls4swift-bench-convert-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        if model == nil && !FileManager.default.fileExists(atPath: defaultModel) {
            // A fresh machine has no ../shared: benchmark the same 16-64-32-32-5 architecture, saved as Keras .h5.
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let generated = work.appendingPathComponent("jet_tagger.h5").path
            try KerasModel(trained: try Training.Model.jetTagger(seed: 1), name: "jet_tagger").writeH5(to: generated)
            modelPath = generated
            weightsPath = nil
        }
        var totals: [Double] = [], loads: [Double] = [], graphs: [Double] = [], writes: [Double] = [], generates: [Double] = []
        var layers = 0
        for run in 0...runs {   // run 0 warms up (file cache, lazy initialisation) and is not counted
            let t0 = DispatchTime.now().uptimeNanoseconds
            let hlsConfig = try config.map { try HLSConfig.load(path: $0) } ?? HLSConfig()
            let keras = try KerasModel.load(path: modelPath, weights: weightsPath)
            let t1 = DispatchTime.now().uptimeNanoseconds
            let graph = try keras.makeModelGraph(config: hlsConfig)
            let t2 = DispatchTime.now().uptimeNanoseconds
            // A fresh directory per run, as a user converting a model gets; removing the old
            // projects happens outside the timed section.
            let files = try ProjectWriter.generate(graph)
            let t2b = DispatchTime.now().uptimeNanoseconds
            try ProjectWriter.write(files: files, graph: graph, to: work.appendingPathComponent("prj\(run)").path)
            let t3 = DispatchTime.now().uptimeNanoseconds
            layers = graph.layers.count
            if run == 0 { continue }
            totals.append(Double(t3 - t0) / 1e6)
            loads.append(Double(t1 - t0) / 1e6)
            graphs.append(Double(t2 - t1) / 1e6)
            writes.append(Double(t3 - t2) / 1e6)
            generates.append(Double(t2b - t2) / 1e6)
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
        let result: [String: Any] = [
            "benchmark": "convert", "model": modelPath, "layers": layers, "runs": runs,
            "ms": rounded(median(totals)), "load_ms": rounded(median(loads)), "convert_ms": rounded(median(graphs)),
            "write_ms": rounded(median(writes)), "generate_ms": rounded(median(generates)), "min_ms": rounded(totals.min() ?? 0),
        ]
        if !json {
            print("convert + write \(modelPath): median \(String(format: "%.2f", median(totals))) ms over \(runs) runs " +
                  "(load \(String(format: "%.2f", median(loads))), convert \(String(format: "%.2f", median(graphs))), " +
                  "write \(String(format: "%.2f", median(writes))) of which generating text \(String(format: "%.2f", median(generates))))")
        }
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
