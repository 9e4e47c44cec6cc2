import Foundation

/// Accuracy and one-vs-rest AUC per class of one model variant on the test set.
public struct ClassifierMetrics: Codable, Sendable, Equatable {
    public var accuracy: Double
    /// AUC keyed by class name (`g`, `q`, `t`, `w`, `z`).
    public var auc: [String: Double]

    public init(accuracy: Double, auc: [String: Double]) {
        self.accuracy = accuracy
        self.auc = auc
    }
}

/// Resource and latency numbers of one design (estimate or synthesis).
public struct ResourceSummary: Codable, Sendable, Equatable {
    public var dsp: Double
    public var lut: Double
    public var ff: Double
    public var bram18k: Double
    public var latencyCycles: Double
    public var latencyNs: Double
    public var ii: Double

    enum CodingKeys: String, CodingKey {
        case dsp, lut, ff, bram18k = "bram_18k", latencyCycles = "latency_cycles", latencyNs = "latency_ns", ii
    }

    public init(dsp: Double, lut: Double, ff: Double, bram18k: Double, latencyCycles: Double, latencyNs: Double, ii: Double) {
        self.dsp = dsp; self.lut = lut; self.ff = ff; self.bram18k = bram18k
        self.latencyCycles = latencyCycles; self.latencyNs = latencyNs; self.ii = ii
    }
}

/// Fraction of exactly-zero weights, per Dense layer and overall.
public struct SparsitySummary: Codable, Sendable, Equatable {
    public var total: Double
    public var layers: [String: Double]
}

/// The verdict of the firmware-vs-model parity check.
public struct ParityResult: Codable, Sendable, Equatable {
    /// Which variant the firmware implements and is compared with (`quantized` or `float`).
    public var reference: String
    public var maxAUCLoss: Double
    public var accuracyLoss: Double
    public var thresholdAUC: Double
    public var thresholdAccuracy: Double
    public var passed: Bool
    /// Fraction of test samples where firmware and reference agree on the argmax.
    public var argmaxAgreement: Double
    /// For QAT models: test samples whose firmware logits differ from the QAT model's own (must be 0).
    public var logitMismatches: Int?

    enum CodingKeys: String, CodingKey {
        case reference, passed
        case maxAUCLoss = "max_auc_loss", accuracyLoss = "accuracy_loss"
        case thresholdAUC = "threshold_auc", thresholdAccuracy = "threshold_accuracy"
        case argmaxAgreement = "argmax_agreement", logitMismatches = "logit_mismatches"
    }
}

/// C-simulation cross-check result: the g++-compiled project against the Swift simulator.
public struct CSimCheck: Codable, Sendable, Equatable {
    public var samples: Int
    public var mismatches: Int
}

/// `metrics.json`: everything a user or a check wants to read back about one run.
public struct RunMetrics: Codable, Sendable, Equatable {
    public var float: ClassifierMetrics?
    public var pruned: ClassifierMetrics?
    public var quantized: ClassifierMetrics?
    public var firmware: ClassifierMetrics?
    public var sparsity: SparsitySummary?
    public var estimate: ResourceSummary?
    public var synthesis: ResourceSummary?
    public var parity: ParityResult?
    public var csim: CSimCheck?
    /// Seconds per stage.
    public var timings: [String: Double]
    public var testSamples: Int

    enum CodingKeys: String, CodingKey {
        case float, pruned, quantized, firmware, sparsity, estimate, synthesis, parity, csim, timings
        case testSamples = "test_samples"
    }

    public init() {
        timings = [:]
        testSamples = 0
    }

    /// Every key is always present (absent variants as `null`), so readers see one stable schema
    /// whether or not a run pruned, trained quantization-aware or ran C-simulation.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(float, forKey: .float)
        try container.encode(pruned, forKey: .pruned)
        try container.encode(quantized, forKey: .quantized)
        try container.encode(firmware, forKey: .firmware)
        try container.encode(sparsity, forKey: .sparsity)
        try container.encode(estimate, forKey: .estimate)
        try container.encode(synthesis, forKey: .synthesis)
        try container.encode(parity, forKey: .parity)
        try container.encode(csim, forKey: .csim)
        try container.encode(timings, forKey: .timings)
        try container.encode(testSamples, forKey: .testSamples)
    }
}
