import ArgumentParser
import Datasets
import Foundation
import Support

/// `pipeline dataset synth|info`: the embedded synthetic jet sample and a quick look at any dataset file.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Generate the synthetic jet sample or inspect a dataset file.",
        subcommands: [Synth.self, Info.self]
    )

    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write SYNTHETIC jets (16 features, classes g,q,t,w,z) to FILE (.npz, .csv or .arff).")

        @Option(help: "Number of jets.") var rows: Int = SyntheticJets.defaultRows
        @Option(help: "Seed; the same rows and seed give the same file.") var seed: UInt64 = 42
        @Option(help: "Output file; the format follows the extension (.npz, .csv, .arff).") var output: String
        @Flag(help: "Store X as float32 in .npz (default float64).") var float32 = false

        func run() throws {
            guard rows > 0 else { throw UserError("--rows must be positive (got \(rows))", expected: "a number of jets such as 830000") }
            let format = try DatasetFormat.infer(fromPath: output)
            guard [.npz, .csv, .arff].contains(format) else {
                throw UserError("synthetic output cannot be written as .\(format.rawValue)", at: output, expected: "a .npz, .csv or .arff file")
            }
            let start = Date()
            let dataset = SyntheticJets.generate(rows: rows, seed: seed)
            let generated = Date().timeIntervalSince(start)
            try SyntheticJets.write(dataset, to: output, format: format, float32: float32)
            let counts = dataset.classCounts().enumerated().map { "\(dataset.classNames[$0.offset])=\($0.element)" }.joined(separator: " ")
            print("wrote \(rows) synthetic jets (seed \(seed)) to \(output) [\(counts)] in \(String(format: "%.2f", generated)) s (\(Int(Double(rows) / max(generated, 1e-9))) jets/s generated)")
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load a dataset file and print its size, classes and bad rows.")

        @Argument(help: "Dataset file (.arff, .csv, .npy, .npz, .h5/.z) or the tutorial .npy directory.") var path: String
        @Option(help: "Format (arff, csv, npy, npz, hdf5); default from the extension.") var format: String?
        @Flag(help: "Drop bad rows instead of refusing the file.") var dropBadRows = false

        func run() throws {
            var options = DatasetLoadOptions()
            options.dropBadRows = dropBadRows
            let loaded = try DatasetLoader.load(path: path, format: try format.map { try DatasetFormat(name: $0) }, options: options)
            let d = loaded.dataset
            let counts = d.classCounts().enumerated().map { "\(d.classNames[$0.offset])=\($0.element)" }.joined(separator: " ")
            print("\(path): \(d.rows) rows, \(d.featureCount) features, classes [\(counts)]\(loaded.fromCache ? " (from cache)" : "")")
            if let train = loaded.predefinedTrainCount { print("predefined split: \(train) train, \(d.rows - train) test") }
            if loaded.droppedRows.count > 0 { print("dropped \(loaded.droppedRows.summary)") }
        }
    }
}
