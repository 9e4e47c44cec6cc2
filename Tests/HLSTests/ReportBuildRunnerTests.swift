import XCTest
import ModelGraph
import Support
@testable import HLS

/// `pipeline build`: the absent-tool path, and the flow driven through a stand-in tool script.
final class ReportBuildRunnerTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("est-build-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    private func project(backend: String) throws -> URL {
        let project = scratch.appendingPathComponent("prj-\(backend)")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        try "set project_name \"myproject\"\nset backend \"\(backend)\"\nset part \"xcu250-figd2104-2L-e\"\n"
            .write(to: project.appendingPathComponent("project.tcl"), atomically: true, encoding: .utf8)
        try "# flow\n".write(to: project.appendingPathComponent("build_prj.tcl"), atomically: true, encoding: .utf8)
        return project
    }

    /// A fake HLS executable: records its arguments and writes a csynth report where Vivado would.
    private func fakeTool(named name: String, report: String?, exitCode: Int = 0) throws -> URL {
        let bin = scratch.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        var script = "#!/bin/sh\nprintf '%s\\n' \"$@\" > args.txt\n"
        if let report {
            script += "mkdir -p myproject_prj/solution1/syn/report\ncp '\(report)' myproject_prj/solution1/syn/report/myproject_csynth.rpt\n"
        }
        script += "exit \(exitCode)\n"
        let tool = bin.appendingPathComponent(name)
        try script.write(to: tool, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool.path)
        return bin
    }

    private func sharedReport() throws -> String {
        let path = URL(fileURLWithPath: "../shared/data/reports/vivado_hls_2019.2_jet_p1_csynth.rpt").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("shared report \(path) is absent") }
        return path
    }

    func testAbsentToolIsOneLineUserError() throws {
        let project = try project(backend: "vitis")
        let runner = BuildRunner(searchPath: scratch.appendingPathComponent("empty-bin").path)
        XCTAssertThrowsError(try runner.build(projectDirectory: project.path)) { error in
            let e = error as? UserError
            XCTAssertNotNil(e)
            XCTAssertTrue(e?.what.contains("no Vitis HLS tool on PATH") ?? false, "\(error)")
            XCTAssertTrue(e?.what.contains("vitis-run, vitis_hls") ?? false, "\(error)")
            XCTAssertFalse(e?.description.contains("\n") ?? true)
        }
        // Nothing was written into the project.
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.appendingPathComponent("build_opt.tcl").path))
    }

    func testMissingBuildScript() throws {
        XCTAssertThrowsError(try BuildRunner(searchPath: "").build(projectDirectory: scratch.path)) { error in
            XCTAssertTrue((error as? UserError)?.what.contains("build_prj.tcl") ?? false)
        }
    }

    func testVivadoFlowArgumentsAndReport() throws {
        let project = try project(backend: "vivado")
        let bin = try fakeTool(named: "vivado_hls", report: try sharedReport())
        let report = try BuildRunner(searchPath: bin.path)
            .build(projectDirectory: project.path, options: BuildOptions(csim: false, synth: true), log: scratch.appendingPathComponent("log.txt"))
        XCTAssertEqual(report?.total.dsp, 1520)
        let args = try String(contentsOf: project.appendingPathComponent("args.txt"), encoding: .utf8)
        XCTAssertEqual(args, "-f\nbuild_prj.tcl\nreset=0\ncsim=0\nsynth=1\ncosim=0\nvalidation=0\nexport=0\nvsynth=0\nfifo_opt=0\n")
        let opt = try String(contentsOf: project.appendingPathComponent("build_opt.tcl"), encoding: .utf8)
        XCTAssertNotNil(opt.range(of: "\\n    synth +1\\n", options: .regularExpression))
    }

    func testVitisFlowWritesBuildOptions() throws {
        let project = try project(backend: "vitis")
        let bin = try fakeTool(named: "vitis_hls", report: try sharedReport())
        let options = BuildOptions(csim: true, synth: true, cosim: true, export: true)
        let report = try BuildRunner(searchPath: bin.path).build(projectDirectory: project.path, options: options,
                                                                  log: scratch.appendingPathComponent("log.txt"))
        XCTAssertEqual(report?.latencyMaxCycles, 13)
        let args = try String(contentsOf: project.appendingPathComponent("args.txt"), encoding: .utf8)
        XCTAssertEqual(args, "-f\nbuild_prj.tcl\n")
        let opt = try String(contentsOf: project.appendingPathComponent("build_opt.tcl"), encoding: .utf8)
        XCTAssertTrue(opt.hasPrefix("array set opt {\n"))
        for (key, value) in [("reset", 0), ("csim", 1), ("synth", 1), ("cosim", 1), ("validation", 0), ("export", 1), ("vsynth", 0)] {
            XCTAssertNotNil(opt.range(of: "\\n    \(key) +\(value)\\n", options: .regularExpression), "\(key) in \(opt)")
        }
    }

    func testVitisRunPreferred() throws {
        let project = try project(backend: "vitis")
        _ = try fakeTool(named: "vitis_hls", report: nil)
        let bin = try fakeTool(named: "vitis-run", report: nil)
        let runner = BuildRunner(searchPath: bin.path)
        let tool = try runner.tool(forProject: project.path)
        XCTAssertEqual(tool.name, "vitis-run")
        XCTAssertEqual(tool.arguments(BuildOptions()), ["--tcl", "build_prj.tcl", "--mode", "hls"])
        XCTAssertNil(try runner.build(projectDirectory: project.path, options: BuildOptions(synth: false),
                                      log: scratch.appendingPathComponent("log.txt")))
    }

    func testFailingToolReportsStatus() throws {
        let project = try project(backend: "vivado")
        let bin = try fakeTool(named: "vivado_hls", report: nil, exitCode: 3)
        XCTAssertThrowsError(try BuildRunner(searchPath: bin.path).build(projectDirectory: project.path,
                                                                         log: scratch.appendingPathComponent("log.txt"))) { error in
            XCTAssertTrue((error as? UserError)?.what.contains("status 3") ?? false, "\(error)")
        }
    }
}
