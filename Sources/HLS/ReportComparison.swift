import Foundation

/// An estimate set against a real C-synthesis report, field by field: how far off the model is.
///
/// The relative error is (estimate − actual) / actual: +0.15 means the estimate is 15 % high. When the
/// actual value is 0 the relative error is 0 if the estimate is 0 too, and undefined (nil) otherwise.
public struct EstimateComparison: Sendable, Equatable, Codable {
    public struct Field: Sendable, Equatable, Codable {
        /// `dsp`, `lut`, `ff`, `bram_18k`, `latency_cycles`, `latency_ns`, `ii`.
        public var name: String
        public var estimate: Double
        public var actual: Double
        public var relativeError: Double?

        public init(name: String, estimate: Double, actual: Double) {
            self.name = name
            self.estimate = estimate
            self.actual = actual
            if actual != 0 {
                relativeError = (estimate - actual) / actual
            } else {
                relativeError = estimate == 0 ? 0 : nil
            }
        }

        enum CodingKeys: String, CodingKey { case name, estimate, actual, relativeError = "relative_error" }
    }

    /// One layer matched to the report module with the same hls4ml index (`config<N>` in its name).
    public struct Layer: Sendable, Equatable, Codable {
        public var name: String
        public var index: Int
        public var module: String
        public var fields: [Field]
    }

    public var total: [Field]
    public var layers: [Layer]
    /// Tool and version of the report, for the caption.
    public var reportTool: String

    enum CodingKeys: String, CodingKey { case total, layers, reportTool = "report_tool" }

    public init(estimate: DesignEstimate, report: SynthesisReport) {
        total = Self.fields(estimate.total, report.resources, withTiming: true)
        var layers: [Layer] = []
        for layer in estimate.layers {
            guard let module = report.modules.first(where: { $0.layerIndex == layer.index }) else { continue }
            let r = module.resources
            let cycles = module.latencyMaxCycles ?? module.latencyMinCycles
            let actual = ResourceEstimate(dsp: r.dsp ?? 0, lut: r.lut ?? 0, ff: r.ff ?? 0, bram18k: r.bram18k ?? 0,
                                          latencyCycles: cycles ?? 0, latencyNs: 0, ii: module.intervalMax ?? 0)
            var fields = Self.fields(layer.resources, actual, withTiming: false)
            // Module latencies in reports exclude the registers between layers that the estimate includes
            // in each layer's share, so only resources are compared per layer.
            fields.removeAll { $0.name == "latency_cycles" }
            layers.append(Layer(name: layer.name, index: layer.index, module: module.module, fields: fields))
        }
        self.layers = layers
        reportTool = "\(report.tool) \(report.toolVersion ?? "")".trimmingCharacters(in: .whitespaces)
    }

    private static func fields(_ e: ResourceEstimate, _ a: ResourceEstimate, withTiming: Bool) -> [Field] {
        var fields = [
            Field(name: "dsp", estimate: Double(e.dsp), actual: Double(a.dsp)),
            Field(name: "lut", estimate: Double(e.lut), actual: Double(a.lut)),
            Field(name: "ff", estimate: Double(e.ff), actual: Double(a.ff)),
            Field(name: "bram_18k", estimate: Double(e.bram18k), actual: Double(a.bram18k)),
            Field(name: "latency_cycles", estimate: Double(e.latencyCycles), actual: Double(a.latencyCycles)),
        ]
        if withTiming {
            fields.append(Field(name: "latency_ns", estimate: e.latencyNs, actual: a.latencyNs))
            fields.append(Field(name: "ii", estimate: Double(e.ii), actual: Double(a.ii)))
        }
        return fields
    }

    /// The field of the totals with this name.
    public func total(_ name: String) -> Field? { total.first { $0.name == name } }

    public func jsonString(pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A text table: estimate, actual and relative error per field, then per layer DSP/LUT/FF.
    public func table() -> String {
        func percent(_ value: Double?) -> String {
            guard let value else { return "n/a" }
            return (value >= 0 ? "+" : "") + String(format: "%.0f%%", value * 100)
        }
        var rows: [[String]] = [["field", "estimate", "actual (\(reportTool))", "error"]]
        for field in total {
            rows.append([field.name, formatNumber(field.estimate), formatNumber(field.actual), percent(field.relativeError)])
        }
        var text = renderTable(rows, separatorBefore: [1])
        if !layers.isEmpty {
            var layerRows: [[String]] = [["layer", "DSP est/real", "LUT est/real", "FF est/real"]]
            for layer in layers {
                func cell(_ name: String) -> String {
                    guard let f = layer.fields.first(where: { $0.name == name }) else { return "-" }
                    return "\(formatNumber(f.estimate))/\(formatNumber(f.actual)) (\(percent(f.relativeError)))"
                }
                layerRows.append([layer.name, cell("dsp"), cell("lut"), cell("ff")])
            }
            text += renderTable(layerRows, separatorBefore: [1])
        }
        text += DesignEstimate.disclaimer + "\n"
        return text
    }
}
