import ArgumentParser
import Foundation
import HLS

/// `pipeline estimate <project-dir> [--json] [--report R]`: resource and latency estimates from the
/// project's model graph (no HLS tool needed), optionally set against a real csynth report.
struct EstimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Estimate DSP, LUT, FF, BRAM_18K, latency and II of a generated HLS project (estimates, not synthesis results)."
    )

    @Argument(help: "HLS project directory (with hls4swift_graph.json) or a graph file.")
    var project: String

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Option(help: "A csynth report (.rpt/.xml) or synthesized project to compare the estimate with.")
    var report: String?

    func run() throws {
        let estimate = try Estimator.estimate(projectAt: project)
        let comparison = try report.map { EstimateComparison(estimate: estimate, report: try SynthesisReport.read(from: $0)) }
        if json {
            guard let comparison else { print(try estimate.jsonString()); return }
            let estimateObject = try JSONSerialization.jsonObject(with: Data(try estimate.jsonString().utf8))
            let comparisonObject = try JSONSerialization.jsonObject(with: Data(try comparison.jsonString().utf8))
            let data = try JSONSerialization.data(withJSONObject: ["estimate": estimateObject, "comparison": comparisonObject],
                                                  options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(estimate.table(), terminator: "")
            if let comparison { print("\nCompared with \(report ?? ""):\n" + comparison.table(), terminator: "") }
        }
    }
}
