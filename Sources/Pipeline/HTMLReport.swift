import Foundation

/// Everything `report.html` shows. Built by the pipeline's last stage from the stage outputs.
public struct ReportContent: Sendable {
    public struct ROC: Sendable {
        public var className: String
        /// (false-positive rate, true-positive rate) per variant label, e.g. "float", "firmware".
        public var curves: [(label: String, fpr: [Double], tpr: [Double], auc: Double)]
    }

    public struct TrainingCurve: Sendable {
        public var phase: String
        public var loss: [Double]
        public var validationLoss: [Double]
        public var accuracy: [Double]
        public var validationAccuracy: [Double]
    }

    /// One row of numerical profiling: the float values a layer sees against its fixed-point type.
    public struct LayerProfile: Sendable {
        public var layer: String
        public var quantity: String          // "weights", "biases", "output"
        public var typeName: String          // e.g. ap_fixed<16,6>
        public var typeMin: Double
        public var typeMax: Double
        public var typeLSB: Double
        public var valueMin: Double
        public var valueMax: Double
        /// Median of |x| over non-zero values (where most of the distribution sits).
        public var medianAbs: Double
        public var overflows: Int
        public var count: Int
    }

    public struct ResourceRow: Sendable {
        public var layer: String
        public var resources: ResourceSummary
    }

    public struct SweepPoint: Sendable {
        public var sparsity: Double
        public var meanAUC: Double
        public var accuracy: Double
        public var dsp: Double
        public var latencyNs: Double
        public var passed: Bool
    }

    public var pipelineName: String
    public var configFile: String
    public var datasetDescription: String
    public var classNames: [String]
    public var metrics: RunMetrics
    public var rocs: [ROC] = []
    public var training: [TrainingCurve] = []
    public var profiles: [LayerProfile] = []
    public var resources: [ResourceRow] = []
    public var sweep: [SweepPoint] = []
    public var notes: [String] = []
    /// Links to related reports (label, relative or absolute path).
    public var links: [(label: String, href: String)] = []

    public init(pipelineName: String, configFile: String, datasetDescription: String, classNames: [String], metrics: RunMetrics) {
        self.pipelineName = pipelineName
        self.configFile = configFile
        self.datasetDescription = datasetDescription
        self.classNames = classNames
        self.metrics = metrics
    }
}

/// Renders `report.html`: one self-contained page (inline CSS and SVG, no scripts, no network).
public enum HTMLReport {
    public static func render(_ content: ReportContent, generatedAt: Date = Date()) -> String {
        var html = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
        <title>hls4swift — \(escape(content.pipelineName))</title>
        <style>
        body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1320px;color:#222;padding:0 16px}
        h1{font-size:22px;margin-bottom:2px} h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
        table{border-collapse:collapse;font-size:13px;margin:8px 0} th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
        th{background:#f4f4f4} td.l,th.l{text-align:left} .ok{color:#176f2c;font-weight:600} .bad{color:#b00020;font-weight:600}
        .charts{display:flex;flex-wrap:wrap;gap:8px} .chart text{font-size:10px;fill:#333} .chart .title{font-size:12px;font-weight:600}
        .chart .axis{font-size:11px} .note{color:#666;font-size:12px} .warn{background:#fff6d6;border:1px solid #e6c200;padding:6px 10px;font-size:13px}
        .bar{position:relative;height:14px;background:#f7f7f7;border:1px solid #eee;width:420px}
        </style></head><body>
        <h1>hls4swift report — \(escape(content.pipelineName))</h1>
        <div class="note">Pipeline file \(escape(content.configFile)) · generated \(ISO8601DateFormatter().string(from: generatedAt)) · \(escape(content.datasetDescription))</div>

        """
        for note in content.notes { html += "<p class=\"warn\">\(escape(note))</p>\n" }
        if !content.links.isEmpty {
            html += "<ul>" + content.links.map { "<li><a href=\"\(escape($0.href))\">\(escape($0.label))</a></li>" }.joined() + "</ul>\n"
        }
        if content.metrics.testSamples > 0 { html += summary(content) }
        html += rocSection(content)
        html += trainingSection(content)
        html += profilingSection(content)
        html += resourceSection(content)
        html += sweepSection(content)
        html += timingSection(content)
        html += "</body></html>\n"
        return html
    }

    static func pct(_ value: Double?) -> String { value.map { String(format: "%.2f %%", $0 * 100) } ?? "—" }

    static func summary(_ content: ReportContent) -> String {
        let metrics = content.metrics
        var html = "<h2>Accuracy and AUC on the test set (\(metrics.testSamples) jets)</h2><table><tr><th class=\"l\">model</th><th>accuracy</th>"
        for name in content.classNames { html += "<th>AUC \(escape(name))</th>" }
        html += "</tr>"
        let rows: [(String, ClassifierMetrics?)] = [("float", metrics.float), ("pruned", metrics.pruned),
                                                    ("quantized (QAT)", metrics.quantized), ("firmware (bit-exact simulation)", metrics.firmware)]
        for (label, value) in rows {
            guard let value else { continue }
            html += "<tr><td class=\"l\">\(label)</td><td>\(pct(value.accuracy))</td>"
            for name in content.classNames { html += "<td>\(pct(value.auc[name]))</td>" }
            html += "</tr>"
        }
        html += "</table>"
        if let parity = metrics.parity {
            let verdict = parity.passed ? "<span class=\"ok\">PASSED</span>" : "<span class=\"bad\">FAILED</span>"
            html += "<p>Parity check against the \(escape(parity.reference)) model: \(verdict) — largest AUC loss "
            html += String(format: "%.3f %% (limit %.3f %%), accuracy loss %.3f %% (limit %.3f %%), argmax agreement %.4f %%",
                           parity.maxAUCLoss * 100, parity.thresholdAUC * 100, parity.accuracyLoss * 100,
                           parity.thresholdAccuracy * 100, parity.argmaxAgreement * 100)
            if let mismatches = parity.logitMismatches { html += ", samples whose firmware logits differ from the QAT model's: \(mismatches)" }
            html += ".</p>"
        }
        if let csim = metrics.csim {
            let verdict = csim.mismatches == 0 ? "<span class=\"ok\">bit-exact</span>" : "<span class=\"bad\">\(csim.mismatches) mismatching samples</span>"
            html += "<p>C-simulation cross-check (g++ with the Xilinx ap_types headers) on \(csim.samples) samples: \(verdict).</p>"
        }
        if let sparsity = metrics.sparsity {
            html += "<p>Weight sparsity: " + String(format: "%.1f %% overall", sparsity.total * 100)
            html += sparsity.layers.sorted { $0.key < $1.key }.map { String(format: "; %@ %.1f %%", $0.key, $0.value * 100) }.joined() + ".</p>"
        }
        return html
    }

    static func rocSection(_ content: ReportContent) -> String {
        guard !content.rocs.isEmpty else { return "" }
        var html = "<h2>ROC curves (one class vs the rest)</h2><div class=\"charts\">"
        for roc in content.rocs {
            let series = roc.curves.enumerated().map { index, curve in
                SVGChart.Series(label: String(format: "%@ (AUC %.2f%%)", curve.label, curve.auc * 100),
                                points: zip(curve.tpr, curve.fpr).map { ($0, $1) },
                                color: SVGChart.palette[index % SVGChart.palette.count], dashed: index > 0)
            }
            html += SVGChart(title: "class \(roc.className)", xLabel: "signal efficiency (TPR)",
                             yLabel: "background efficiency (FPR)", series: series, width: 300, height: 260,
                             xRange: 0...1, yRange: 1e-4...1, logY: true).render()
        }
        return html + "</div>"
    }

    static func trainingSection(_ content: ReportContent) -> String {
        guard !content.training.isEmpty else { return "" }
        var html = "<h2>Training curves</h2><div class=\"charts\">"
        for curve in content.training {
            func points(_ values: [Double]) -> [(x: Double, y: Double)] { values.enumerated().map { (Double($0.offset + 1), $0.element) } }
            html += SVGChart(title: "\(curve.phase): loss", xLabel: "epoch", yLabel: "loss", series: [
                .init(label: "train", points: points(curve.loss), color: SVGChart.palette[0]),
                .init(label: "validation", points: points(curve.validationLoss), color: SVGChart.palette[1], dashed: true),
            ], width: 330, height: 240).render()
            html += SVGChart(title: "\(curve.phase): accuracy", xLabel: "epoch", yLabel: "accuracy", series: [
                .init(label: "train", points: points(curve.accuracy), color: SVGChart.palette[0]),
                .init(label: "validation", points: points(curve.validationAccuracy), color: SVGChart.palette[1], dashed: true),
            ], width: 330, height: 240).render()
        }
        return html + "</div>"
    }

    /// hls4ml-style profiling: where the values sit (log2 |x|) against what the type can hold.
    static func profilingSection(_ content: ReportContent) -> String {
        guard !content.profiles.isEmpty else { return "" }
        var html = "<h2>Numerical profiling</h2><p class=\"note\">Grey: the range a type represents, from its LSB to its largest magnitude (log2 scale). Blue: the float values seen (min to max |x|; tick at the median of |x|). Values beyond the grey range overflow; values left of it are rounded to zero. Overflow counts come from the bit-exact simulation of the test set.</p>"
        html += "<table><tr><th class=\"l\">layer</th><th class=\"l\">quantity</th><th class=\"l\">type</th><th>min</th><th>max</th><th class=\"l\">log2 |x| from −16 to +16</th><th>overflows (wrapped or saturated)</th></tr>"
        func position(_ value: Double) -> Double {
            guard value > 0 else { return 0 }
            return min(max((log2(value) + 16) / 32, 0), 1) * 420
        }
        for profile in content.profiles {
            let typeLow = position(profile.typeLSB), typeHigh = position(max(abs(profile.typeMin), abs(profile.typeMax)))
            let maxAbs = max(abs(profile.valueMin), abs(profile.valueMax))
            let valueHigh = position(maxAbs), median = position(profile.medianAbs)
            let valueLow = position(max(profile.medianAbs / 64, 1e-9))
            let overflowClass = profile.overflows > 0 ? "bad" : ""
            html += "<tr><td class=\"l\">\(escape(profile.layer))</td><td class=\"l\">\(escape(profile.quantity))</td><td class=\"l\">\(escape(profile.typeName))</td>"
            html += String(format: "<td>%.4g</td><td>%.4g</td>", profile.valueMin, profile.valueMax)
            html += "<td class=\"l\"><svg width=\"420\" height=\"16\"><rect x=\"\(typeLow)\" y=\"2\" width=\"\(max(typeHigh - typeLow, 1))\" height=\"12\" fill=\"#ccc\"/>"
            html += "<rect x=\"\(valueLow)\" y=\"5\" width=\"\(max(valueHigh - valueLow, 1))\" height=\"6\" fill=\"#1f77b4\"/>"
            html += "<line x1=\"\(median)\" y1=\"1\" x2=\"\(median)\" y2=\"15\" stroke=\"#0b3d66\" stroke-width=\"2\"/>"
            html += "<line x1=\"210\" y1=\"0\" x2=\"210\" y2=\"16\" stroke=\"#999\" stroke-dasharray=\"2,2\"/></svg></td>"
            html += "<td class=\"\(overflowClass)\">\(profile.overflows) / \(profile.count)</td></tr>"
        }
        return html + "</table>"
    }

    static func resourceSection(_ content: ReportContent) -> String {
        guard !content.resources.isEmpty || content.metrics.estimate != nil else { return "" }
        var html = "<h2>Resources and latency</h2><p class=\"note\">Estimates from layer sizes, bit widths, ReuseFactor, Strategy and pruned weights — not synthesis results. Run <code>pipeline build</code> with Vivado/Vitis HLS for real numbers.</p>"
        html += "<table><tr><th class=\"l\">layer</th><th>DSP</th><th>LUT</th><th>FF</th><th>BRAM_18K</th><th>latency (cycles)</th><th>II</th></tr>"
        for row in content.resources {
            let r = row.resources
            html += String(format: "<tr><td class=\"l\">%@</td><td>%.0f</td><td>%.0f</td><td>%.0f</td><td>%.0f</td><td>%.0f</td><td>%.0f</td></tr>",
                           escape(row.layer), r.dsp, r.lut, r.ff, r.bram18k, r.latencyCycles, r.ii)
        }
        for (label, value) in [("total (estimate)", content.metrics.estimate), ("synthesis", content.metrics.synthesis)] {
            guard let r = value else { continue }
            html += String(format: "<tr><th class=\"l\">%@</th><th>%.0f</th><th>%.0f</th><th>%.0f</th><th>%.0f</th><th>%.0f (%.1f ns)</th><th>%.0f</th></tr>",
                           label, r.dsp, r.lut, r.ff, r.bram18k, r.latencyCycles, r.latencyNs, r.ii)
        }
        return html + "</table>"
    }

    static func sweepSection(_ content: ReportContent) -> String {
        guard !content.sweep.isEmpty else { return "" }
        var html = "<h2>Sparsity sweep</h2><table><tr><th>target sparsity</th><th>accuracy</th><th>mean AUC</th><th>DSP (est.)</th><th>latency (ns, est.)</th><th>parity</th></tr>"
        for point in content.sweep.sorted(by: { $0.sparsity < $1.sparsity }) {
            html += String(format: "<tr><td>%.2f</td><td>%.2f %%</td><td>%.2f %%</td><td>%.0f</td><td>%.1f</td>", point.sparsity,
                           point.accuracy * 100, point.meanAUC * 100, point.dsp, point.latencyNs)
            html += "<td class=\"\(point.passed ? "ok" : "bad")\">\(point.passed ? "passed" : "failed")</td></tr>"
        }
        html += "</table><div class=\"charts\">"
        let sorted = content.sweep.sorted { $0.dsp < $1.dsp }
        let pareto = paretoFront(sorted.map { ($0.dsp, $0.meanAUC) })
        html += SVGChart(title: "mean AUC vs DSP (Pareto front dashed)", xLabel: "DSP (estimate)", yLabel: "mean AUC", series: [
            .init(label: "sweep points", points: sorted.map { ($0.dsp, $0.meanAUC) }, color: SVGChart.palette[0], markers: true),
            .init(label: "Pareto front", points: pareto, color: SVGChart.palette[1], dashed: true),
        ]).render()
        let byLatency = content.sweep.sorted { $0.latencyNs < $1.latencyNs }
        html += SVGChart(title: "mean AUC vs latency", xLabel: "latency (ns, estimate)", yLabel: "mean AUC", series: [
            .init(label: "sweep points", points: byLatency.map { ($0.latencyNs, $0.meanAUC) }, color: SVGChart.palette[2], markers: true),
            .init(label: "Pareto front", points: paretoFront(byLatency.map { ($0.latencyNs, $0.meanAUC) }), color: SVGChart.palette[1], dashed: true),
        ]).render()
        return html + "</div>"
    }

    /// Points not dominated by a cheaper point with higher quality (x = cost, y = quality), by cost.
    static func paretoFront(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        var front: [(x: Double, y: Double)] = []
        for point in points.sorted(by: { $0.x < $1.x || ($0.x == $1.x && $0.y > $1.y) }) {
            if front.isEmpty || point.y > front.last!.y { front.append(point) }
        }
        return front
    }

    static func timingSection(_ content: ReportContent) -> String {
        guard !content.metrics.timings.isEmpty else { return "" }
        var html = "<h2>Stage timings</h2><table><tr><th class=\"l\">stage</th><th>seconds</th></tr>"
        for (stage, seconds) in content.metrics.timings.sorted(by: { $0.key < $1.key }) {
            html += String(format: "<tr><td class=\"l\">%@</td><td>%.2f</td></tr>", escape(stage), seconds)
        }
        return html + "</table>"
    }
}
