import ArgumentParser
import Foundation
import HLS

/// `pipeline report <csynth.rpt|csynth.xml|project-dir> [--json]`: the numbers of a real C-synthesis report.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Parse a Vivado HLS / Vitis HLS C-synthesis report (.rpt, .xml, or a synthesized project directory)."
    )

    @Argument(help: "<top>_csynth.rpt, <top>_csynth.xml, or a project directory containing <name>_prj/solution1/syn/report/.")
    var path: String

    @Flag(help: "Print one JSON object instead of the summary.")
    var json = false

    func run() throws {
        let report = try SynthesisReport.read(from: path)
        print(json ? try report.jsonString() : report.summary(), terminator: json ? "\n" : "")
    }
}
