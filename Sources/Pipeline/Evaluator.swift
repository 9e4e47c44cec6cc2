import Datasets
import Foundation
import ModelGraph
import ModelIO
import Simulation
import Support
import Training

/// `pipeline evaluate`: a finished run's float model (model.h5) and its firmware (hls/<project>)
/// on another dataset file, scaled with the run's stored StandardScaler.
public enum Evaluator {
    public struct Result: Codable, Sendable {
        public var dataset: String
        public var samples: Int
        public var float: ClassifierMetrics
        public var firmware: ClassifierMetrics

        public func table() -> String {
            let names = float.auc.keys.sorted()
            var text = "\(samples) jets from \(dataset)\n"
            text += "model      accuracy  " + names.map { "AUC \($0)  " }.joined() + "\n"
            for (label, metrics) in [("float", float), ("firmware", firmware)] {
                text += label.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: "  %8.4f  ", metrics.accuracy)
                text += names.map { String(format: "%6.4f  ", metrics.auc[$0] ?? 0) }.joined() + "\n"
            }
            return text
        }
    }

    public static func evaluate(artifactDirectory: String, dataset path: String, dropBadRows: Bool = false) throws -> Result {
        let root = URL(fileURLWithPath: artifactDirectory)
        let modelPath = root.appendingPathComponent("model.h5").path
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw UserError("no model.h5 in the artifact directory", at: artifactDirectory,
                            expected: "a folder written by `pipeline train-and-build` (artifacts/<name>)")
        }
        let model = try KerasModel.load(h5: modelPath).trainingModel()
        let hlsRoot = root.appendingPathComponent("hls")
        let projects = (try? FileManager.default.contentsOfDirectory(atPath: hlsRoot.path))?.filter { !$0.hasPrefix(".") }.sorted() ?? []
        guard let project = projects.first else {
            throw UserError("no HLS project under hls/", at: artifactDirectory, expected: "hls/<project>/ from a pipeline run")
        }
        let graph = try ModelGraph.read(from: hlsRoot.appendingPathComponent(project).path)
        let loaded = try DatasetLoader.load(path: path, options: DatasetLoadOptions(dropBadRows: dropBadRows))
        var dataset = loaded.dataset
        let scalerPath = root.appendingPathComponent("scaler.json")
        if let data = try? Data(contentsOf: scalerPath) {
            let scaler = try JSONDecoder().decode(StandardScaler.self, from: data)
            dataset = try scaler.transform(dataset)
        }
        guard dataset.featureNames.count == model.inputSize else {
            throw UserError("the dataset has \(dataset.featureNames.count) features, the model \(model.inputSize)", at: path)
        }
        let features = dataset.featuresAsFloat()
        let floatOutputs = try model.predict(features)
        let firmwareOutputs = try Simulator(graph: graph).predict(features.map(Double.init)).map(Float.init)
        return Result(dataset: path, samples: dataset.labels.count,
                      float: Evaluation.metrics(outputs: floatOutputs, labels: dataset.labels, classNames: dataset.classNames),
                      firmware: Evaluation.metrics(outputs: firmwareOutputs, labels: dataset.labels, classNames: dataset.classNames))
    }
}
