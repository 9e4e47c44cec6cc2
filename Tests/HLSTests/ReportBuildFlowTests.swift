import XCTest
import ModelGraph
import Support
@testable import HLS

/// `pipeline build` against the project's real build_prj.tcl: a stand-in `vivado_hls`/`vitis_hls` runs the
/// script in tclsh with the HLS commands stubbed out (they log their names; `csynth_design` drops a real
/// report where the tool would). Checks that the switches the runner passes are the ones the flow obeys.
final class ReportBuildFlowTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tclsh") else { throw XCTSkip("tclsh is not installed") }
        let report = "../shared/data/reports/vivado_hls_2019.2_jet_p1_csynth.rpt"
        guard FileManager.default.fileExists(atPath: report) else { throw XCTSkip("\(report) is absent") }
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("est-flow-\(UUID().uuidString)")
        let bin = scratch.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let reportPath = URL(fileURLWithPath: report).standardizedFileURL.path
        let stubs = """
        proc log_call {name} { set f [open calls.log a]; puts $f $name; close $f }
        foreach name {open_project set_top add_files open_solution config_array_partition config_compile set_part \
                      config_schedule create_clock set_clock_uncertainty} {
            proc $name {args} {}
        }
        proc csim_design {args} { log_call csim }
        proc cosim_design {args} { log_call cosim }
        proc export_design {args} { log_call export }
        proc csynth_design {args} {
            log_call csynth
            set name [set ::project_name]
            file mkdir ${name}_prj/solution1/syn/report
            file copy -force {\(reportPath)} ${name}_prj/solution1/syn/report/${name}_csynth.rpt
        }
        set script [lindex $argv 0]
        set ::argv [lrange $argv 1 end]
        source $script
        """
        try stubs.write(to: scratch.appendingPathComponent("stubs.tcl"), atomically: true, encoding: .utf8)
        for tool in ["vivado_hls", "vitis_hls"] {
            // `<tool> -f build_prj.tcl [switches…]` → tclsh stubs.tcl build_prj.tcl [switches…]
            let script = "#!/bin/sh\nshift\nexec /usr/bin/tclsh '\(scratch.appendingPathComponent("stubs.tcl").path)' \"$@\"\n"
            let url = bin.appendingPathComponent(tool)
            try script.write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
    }

    override func tearDownWithError() throws {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    private func run(backend: HardwareTarget.Backend, options: BuildOptions) throws -> (SynthesisReport?, [String]) {
        var graph = TutorialGraphs.part1()
        graph.target.backend = backend
        graph.projectName = "jets"
        let project = scratch.appendingPathComponent("project-\(backend.rawValue)")
        try ProjectWriter.write(graph, to: project.path)
        // A rewrite keeps tool outputs (solution folders, logs) of the previous build; start this one clean.
        try? FileManager.default.removeItem(at: project.appendingPathComponent("calls.log"))
        let report = try BuildRunner(searchPath: scratch.appendingPathComponent("bin").path)
            .build(projectDirectory: project.path, options: options, log: scratch.appendingPathComponent("log-\(backend.rawValue).txt"))
        let calls = (try? String(contentsOf: project.appendingPathComponent("calls.log"), encoding: .utf8)) ?? ""
        return (report, calls.split(separator: "\n").map(String.init))
    }

    func testVivadoSynthesisOnly() throws {
        let (report, calls) = try run(backend: .vivado, options: BuildOptions(synth: true))
        XCTAssertEqual(calls, ["csynth"])
        XCTAssertEqual(report?.total.dsp, 1520)
    }

    func testVivadoAllSteps() throws {
        let (_, calls) = try run(backend: .vivado, options: BuildOptions(csim: true, synth: true, cosim: true, export: true))
        XCTAssertEqual(calls, ["csim", "csynth", "cosim", "export"])
    }

    func testVitisOptionsFile() throws {
        let (report, calls) = try run(backend: .vitis, options: BuildOptions(csim: true, synth: true))
        XCTAssertEqual(calls, ["csim", "csynth"])
        XCTAssertEqual(report?.latencyMaxCycles, 13)
        let (none, noCalls) = try run(backend: .vitis, options: BuildOptions(synth: false))
        XCTAssertNil(none)
        XCTAssertEqual(noCalls, [])
    }
}
