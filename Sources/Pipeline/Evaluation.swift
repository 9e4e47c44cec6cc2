import FixedPoint
import Foundation
import ModelGraph
import Simulation
import Support
import Training

/// Accuracy, AUC, ROC and parity computations over test-set outputs.
enum Evaluation {
    static func metrics(outputs: [Float], labels: [Int32], classNames: [String]) -> ClassifierMetrics {
        let classes = classNames.count
        let accuracy = Metrics.accuracy(outputs: outputs, classes: classes, labels: labels)
        let aucs = Metrics.oneVsRestAUC(outputs: outputs, classes: classes, labels: labels)
        return ClassifierMetrics(accuracy: accuracy, auc: Dictionary(uniqueKeysWithValues: zip(classNames, aucs)))
    }

    /// The firmware may lose at most `checks.maxAUCLoss` AUC in any class and `checks.maxAccuracyLoss`
    /// accuracy against the model it implements.
    static func parity(reference: ClassifierMetrics, firmware: ClassifierMetrics, referenceName: String,
                       referenceOutputs: [Float], firmwareOutputs: [Float], classes: Int, checks: ChecksSection) -> ParityResult {
        let aucLoss = reference.auc.map { name, value in value - (firmware.auc[name] ?? 0) }.max() ?? 0
        let accuracyLoss = reference.accuracy - firmware.accuracy
        let samples = referenceOutputs.count / max(classes, 1)
        var agree = 0
        for sample in 0..<samples {
            if argmax(referenceOutputs, sample, classes) == argmax(firmwareOutputs, sample, classes) { agree += 1 }
        }
        let agreement = samples == 0 ? 1 : Double(agree) / Double(samples)
        return ParityResult(reference: referenceName, maxAUCLoss: aucLoss, accuracyLoss: accuracyLoss,
                            thresholdAUC: checks.maxAUCLoss, thresholdAccuracy: checks.maxAccuracyLoss,
                            passed: aucLoss <= checks.maxAUCLoss && accuracyLoss <= checks.maxAccuracyLoss,
                            argmaxAgreement: agreement, logitMismatches: nil)
    }

    static func argmax<T: Comparable>(_ values: [T], _ sample: Int, _ classes: Int) -> Int {
        var best = 0
        for c in 1..<classes where values[sample * classes + c] > values[sample * classes + best] { best = c }
        return best
    }

    /// Test samples whose firmware logits (pre-softmax outputs) differ from the QAT model's own
    /// quantized forward pass. The QAT model is fed the inputs as the firmware sees them (converted
    /// to `input_t`), since QKeras does not quantize its input layer.
    static func logitMismatches(model: Training.Model, graph: ModelGraph, inputs: [Double], firmwareLogits: [Double]) throws -> Int {
        guard case .fixed(let inputType) = graph.inputType else { return -1 }
        let quantizedInputs = inputs.map { inputType.toDouble(raw: inputType.rawValue($0)) }
        // Double arithmetic: exact for these widths, whatever the magnitudes (Float32 sums could round).
        let logits = try model.referenceLogits(quantizedInputs)
        let classes = model.outputSize
        guard logits.count == firmwareLogits.count else { return inputs.count / max(graph.inputSize, 1) }
        var mismatches = 0
        for sample in 0..<(logits.count / classes) {
            for c in 0..<classes where logits[sample * classes + c] != firmwareLogits[sample * classes + c] {
                mismatches += 1
                break
            }
        }
        return mismatches
    }

    /// One-vs-rest ROC per class for each variant, thinned to ≤ 300 points for the report.
    static func rocs(variants: [(String, [Float])], labels: [Int32], classNames: [String]) -> [ReportContent.ROC] {
        let classes = classNames.count
        let curves = variants.map { ($0.0, Metrics.oneVsRestROC(outputs: $0.1, classes: classes, labels: labels, dropIntermediate: true)) }
        return classNames.enumerated().map { index, name in
            ReportContent.ROC(className: name, curves: curves.map { label, rocs in
                let roc = rocs[index]
                let stride = max(1, roc.falsePositiveRate.count / 300)
                var fpr: [Double] = [], tpr: [Double] = []
                for i in Swift.stride(from: 0, to: roc.falsePositiveRate.count, by: stride) {
                    fpr.append(roc.falsePositiveRate[i]); tpr.append(roc.truePositiveRate[i])
                }
                fpr.append(roc.falsePositiveRate.last ?? 1); tpr.append(roc.truePositiveRate.last ?? 1)
                return (label, fpr, tpr, roc.auc)
            })
        }
    }
}

/// Numerical profiling: the float values of weights, biases and layer outputs against the
/// fixed-point types that hold them (hls4ml's `numerical()` profiling, as a table).
enum Profiling {
    static func profiles(graph: ModelGraph, inputs: [Double], sampleLimit: Int, overflows: [LayerOverflow]) -> [ReportContent.LayerProfile] {
        let samples = min(sampleLimit, inputs.count / max(graph.inputSize, 1))
        var outputs = [[Double]](repeating: [], count: graph.layers.count)
        for sample in 0..<samples {
            let row = Array(inputs[(sample * graph.inputSize)..<((sample + 1) * graph.inputSize)])
            for (k, values) in graph.floatForward(row).enumerated() { outputs[k].append(contentsOf: values) }
        }
        var profiles: [ReportContent.LayerProfile] = []
        func add(_ layer: String, _ quantity: String, _ precision: Precision, _ values: [Double], overflows: Int, count: Int) {
            guard case .fixed(let type) = precision, !values.isEmpty else { return }
            let nonZero = values.filter { $0 != 0 }.map(abs).sorted()
            profiles.append(.init(layer: layer, quantity: quantity, typeName: type.cppName, typeMin: type.minValue,
                                  typeMax: type.maxValue, typeLSB: pow(2, -Double(type.fractionalBits)),
                                  valueMin: values.min() ?? 0, valueMax: values.max() ?? 0,
                                  medianAbs: nonZero.isEmpty ? 0 : nonZero[nonZero.count / 2], overflows: overflows, count: count))
        }
        add(graph.inputName, "input", graph.inputType, Array(inputs.prefix(samples * graph.inputSize)), overflows: 0,
            count: samples * graph.inputSize)
        for (k, layer) in graph.layers.enumerated() {
            if case .dense(let dense) = layer.operation {
                add(layer.name, "weights", dense.weightType, dense.weights.map(Double.init), overflows: 0, count: dense.weights.count)
                add(layer.name, "biases", dense.biasType, dense.biases.map(Double.init), overflows: 0, count: dense.biases.count)
            }
            let overflow = overflows.first { $0.layer == layer.name }
            add(layer.name, "output", layer.resultType, outputs[k],
                overflows: (overflow?.resultOverflows ?? 0) + (overflow?.accumulatorOverflows ?? 0),
                count: overflow?.resultCasts ?? outputs[k].count)
        }
        return profiles
    }
}
