import ArgumentParser
import Foundation
import HLS

/// `pipeline build <project-dir>`: runs the project's build_prj.tcl with the installed HLS tool
/// (vivado_hls, vitis-run or vitis_hls) and prints the C-synthesis report.
struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Run the vendor HLS flow (csim/synth/cosim/export/vsynth) of a generated project and print its report."
    )

    @Argument(help: "HLS project directory written by `pipeline convert`.")
    var project: String

    @Flag(help: "Remove the previous HLS project first.") var reset = false
    @Flag(help: "Run the C simulation.") var csim = false
    @Flag(inversion: .prefixedNo, help: "Run C synthesis.") var synth = true
    @Flag(help: "Run the C/RTL co-simulation.") var cosim = false
    @Flag(help: "Compare C simulation and co-simulation outputs.") var validation = false
    @Flag(name: .customLong("export"), help: "Export the IP.") var exportIP = false
    @Flag(help: "Run Vivado logic synthesis after HLS.") var vsynth = false
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() throws {
        let options = BuildOptions(reset: reset, csim: csim, synth: synth, cosim: cosim, validation: validation,
                                   export: exportIP, vsynth: vsynth)
        let report = try BuildRunner().build(projectDirectory: project, options: options)
        guard let report else {
            if !json { print("build finished (no C synthesis requested)") }
            return
        }
        print(json ? try report.jsonString() : report.summary(), terminator: json ? "\n" : "")
    }
}
