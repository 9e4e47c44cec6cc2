import XCTest
import Support
@testable import HLS

/// The two real csynth reports in ../shared/data/reports; expected values were read by eye from the files.
final class ReportTests: XCTestCase {
    static let reports = URL(fileURLWithPath: "../shared/data/reports")

    private func sharedReport(_ name: String) throws -> String {
        let path = Self.reports.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("shared report \(path) is absent (needs ../shared/data/reports next to the package)")
        }
        return path
    }

    func testVitis2024Report() throws {
        let report = try SynthesisReport.read(from: try sharedReport("vitis_hls_2024.1_jet_prune75_csynth.rpt"))
        XCTAssertEqual(report.tool, "Vitis HLS")
        XCTAssertEqual(report.toolVersion, "2024.1")
        XCTAssertEqual(report.topName, "myproject")
        XCTAssertEqual(report.part, "xcu50-fsvh2104-2-e")
        XCTAssertEqual(report.productFamily, "virtexuplusHBM")
        XCTAssertEqual(report.targetClockNs, 5.0)
        XCTAssertEqual(report.estimatedClockNs, 3.621)
        XCTAssertEqual(report.clockUncertaintyNs, 1.35)
        XCTAssertEqual(report.latencyMinCycles, 14)
        XCTAssertEqual(report.latencyMaxCycles, 14)
        XCTAssertEqual(report.latencyMaxNs, 70)
        XCTAssertEqual(report.intervalMin, 1)
        XCTAssertEqual(report.intervalMax, 1)
        XCTAssertEqual(report.pipelineType, "yes")
        XCTAssertEqual(report.total, ReportResources(bram18k: 8, dsp: 817, ff: 8462, lut: 35326, uram: 0))
        XCTAssertEqual(report.available, ReportResources(bram18k: 2688, dsp: 5952, ff: 1_743_360, lut: 871_680, uram: 640))
        XCTAssertEqual(report.modules.count, 8)
        XCTAssertEqual(report.modules.map(\.layerIndex), [2, 4, 5, 7, 8, 10, 11, 13])
        XCTAssertEqual(report.modules.map { $0.resources.dsp }, [204, 0, 370, 0, 200, 0, 38, 5])
        XCTAssertEqual(report.modules.map { $0.resources.lut }, [7331, 2280, 14733, 1178, 7118, 912, 934, 790])
        XCTAssertEqual(report.modules.map { $0.resources.ff }, [626, 0, 2409, 0, 1345, 0, 178, 445])
        XCTAssertEqual(report.modules.last?.resources.bram18k, 8)
        XCTAssertEqual(report.modules.map(\.latencyMaxCycles), [1, 0, 1, 0, 1, 0, 1, 4])
        XCTAssertEqual(report.modules.map(\.latencyMaxNs), [5, 0, 5, 0, 5, 0, 5, 20])
        XCTAssertEqual(report.modules.map(\.intervalMax), [1, 1, 1, 1, 1, 1, 1, 1])
        XCTAssertEqual(report.resources, ResourceEstimate(dsp: 817, lut: 35326, ff: 8462, bram18k: 8, latencyCycles: 14,
                                                          latencyNs: 70, ii: 1))
    }

    func testVivado2019Report() throws {
        let report = try SynthesisReport.read(from: try sharedReport("vivado_hls_2019.2_jet_p1_csynth.rpt"))
        XCTAssertEqual(report.tool, "Vivado HLS")
        XCTAssertEqual(report.toolVersion, "2019.2")
        XCTAssertEqual(report.part, "xcu250-figd2104-2L-e")
        XCTAssertEqual(report.productFamily, "virtexuplus")
        XCTAssertEqual(report.targetClockNs, 5.0)
        XCTAssertEqual(report.estimatedClockNs, 4.371)
        XCTAssertEqual(report.clockUncertaintyNs, 0.62)
        XCTAssertEqual(report.latencyMaxCycles, 13)
        XCTAssertEqual(report.latencyMinNs, 65)
        XCTAssertEqual(report.intervalMax, 1)
        XCTAssertEqual(report.pipelineType, "function")
        // The DSP column is called DSP48E in this version.
        XCTAssertEqual(report.total, ReportResources(bram18k: 4, dsp: 1520, ff: 11100, lut: 85140, uram: 0))
        XCTAssertEqual(report.available, ReportResources(bram18k: 5376, dsp: 12288, ff: 3_456_000, lut: 1_728_000, uram: 1280))
        XCTAssertEqual(report.modules.count, 8)
        // Three dense modules are mangled to dense_latency_0_0_… without a config index.
        XCTAssertEqual(report.modules.compactMap(\.layerIndex), [4, 7, 10, 11, 13])
        let output = try XCTUnwrap(report.modules.first { $0.layerIndex == 11 })
        XCTAssertEqual(output.resources, ReportResources(bram18k: 0, dsp: 114, ff: 321, lut: 3392, uram: 0))
        let softmax = try XCTUnwrap(report.modules.first { $0.layerIndex == 13 })
        XCTAssertEqual(softmax.resources, ReportResources(bram18k: 4, dsp: 5, ff: 236, lut: 664, uram: 0))
        XCTAssertEqual(softmax.latencyMaxCycles, 4)
        XCTAssertEqual(softmax.pipelineType, "function")
        XCTAssertEqual(Set(report.modules.filter { $0.layerIndex == nil }.compactMap { $0.resources.dsp }), [349, 575, 477])
        XCTAssertEqual(report.modules.reduce(0) { $0 + ($1.resources.dsp ?? 0) }, 1520)
    }

    func testJSONHasEstimatorFields() throws {
        let report = try SynthesisReport.read(from: try sharedReport("vivado_hls_2019.2_jet_p1_csynth.rpt"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try report.jsonString().utf8)) as? [String: Any])
        XCTAssertEqual(object["dsp"] as? Int, 1520)
        XCTAssertEqual(object["bram_18k"] as? Int, 4)
        XCTAssertEqual(object["latency_cycles"] as? Int, 13)
        XCTAssertEqual(object["latency_ns"] as? Double, 65)
        XCTAssertEqual(object["ii"] as? Int, 1)
        XCTAssertEqual(object["tool_version"] as? String, "2019.2")
        XCTAssertEqual(object["estimated_clock_ns"] as? Double, 4.371)
        XCTAssertEqual((object["modules"] as? [Any])?.count, 8)
        XCTAssertTrue(report.summary().contains("1520"))
    }

    /// A project directory: <dir>/myproject_prj/solution1/syn/report/myproject_csynth.rpt is found,
    /// and sub-module reports in the same folder are not mistaken for it.
    func testProjectDirectoryLookup() throws {
        let source = try sharedReport("vitis_hls_2024.1_jet_prune75_csynth.rpt")
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("est-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: project) }
        let reportDirectory = project.appendingPathComponent("jets_prj/solution1/syn/report")
        try FileManager.default.createDirectory(at: reportDirectory, withIntermediateDirectories: true)
        try "set project_name \"jets\"\nset backend \"vitis\"\n".write(to: project.appendingPathComponent("project.tcl"),
                                                                      atomically: true, encoding: .utf8)
        try "junk".write(to: reportDirectory.appendingPathComponent("dense_latency_config2_csynth.rpt"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: source),
                                         to: reportDirectory.appendingPathComponent("jets_csynth.rpt"))
        let report = try SynthesisReport.read(from: project.path)
        XCTAssertEqual(report.total.dsp, 817)
        XCTAssertTrue(report.source?.hasSuffix("jets_prj/solution1/syn/report/jets_csynth.rpt") ?? false)

        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("est-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty.appendingPathComponent("myproject_prj/solution1"),
                                                withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        XCTAssertThrowsError(try SynthesisReport.read(from: empty.path)) { error in
            XCTAssertTrue((error as? UserError)?.what.contains("no C-synthesis report") ?? false, "\(error)")
            XCTAssertTrue((error as? UserError)?.expected?.contains("myproject_csynth.rpt") ?? false, "\(error)")
        }
    }

    /// The XML form, written here by hand in the layout Vivado HLS uses (Resources/DSP48E, SummaryOfOverallLatency).
    func testXMLReport() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <profile>
          <ReportVersion><Version>2019.2</Version></ReportVersion>
          <UserAssignments><unit>ns</unit><ProductFamily>virtexuplus</ProductFamily><Part>xcu250-figd2104-2L-e</Part>
            <TopModelName>myproject</TopModelName><TargetClockPeriod>5.00</TargetClockPeriod><ClockUncertainty>0.62</ClockUncertainty>
          </UserAssignments>
          <PerformanceEstimates><PipelineType>function</PipelineType>
            <SummaryOfTimingAnalysis><unit>ns</unit><EstimatedClockPeriod>4.371</EstimatedClockPeriod></SummaryOfTimingAnalysis>
            <SummaryOfOverallLatency><unit>clock cycles</unit><Best-caseLatency>13</Best-caseLatency>
              <Worst-caseLatency>13</Worst-caseLatency><Interval-min>1</Interval-min><Interval-max>1</Interval-max>
            </SummaryOfOverallLatency>
          </PerformanceEstimates>
          <AreaEstimates>
            <Resources><BRAM_18K>4</BRAM_18K><DSP48E>1520</DSP48E><FF>11100</FF><LUT>85140</LUT><URAM>0</URAM></Resources>
            <AvailableResources><BRAM_18K>5376</BRAM_18K><DSP48E>12288</DSP48E><FF>3456000</FF><LUT>1728000</LUT><URAM>1280</URAM></AvailableResources>
          </AreaEstimates>
        </profile>
        """
        let report = try SynthesisReport.parseXML(Data(xml.utf8))
        XCTAssertEqual(report.tool, "Vivado HLS")
        XCTAssertEqual(report.total, ReportResources(bram18k: 4, dsp: 1520, ff: 11100, lut: 85140, uram: 0))
        XCTAssertEqual(report.available?.dsp, 12288)
        XCTAssertEqual(report.latencyMaxCycles, 13)
        XCTAssertEqual(report.latencyMaxNs, 65)
        XCTAssertEqual(report.estimatedClockNs, 4.371)
        XCTAssertEqual(report.part, "xcu250-figd2104-2L-e")
        let vitis = xml.replacingOccurrences(of: "2019.2", with: "2024.1").replacingOccurrences(of: "DSP48E", with: "DSP")
        XCTAssertEqual(try SynthesisReport.parseXML(Data(vitis.utf8)).tool, "Vitis HLS")
        XCTAssertEqual(try SynthesisReport.parseXML(Data(vitis.utf8)).total.dsp, 1520)
        XCTAssertThrowsError(try SynthesisReport.parseXML(Data("<profile><Other/></profile>".utf8))) { XCTAssertTrue($0 is UserError) }
        XCTAssertThrowsError(try SynthesisReport.parseXML(Data("<profile><unclosed>".utf8))) { XCTAssertTrue($0 is UserError) }
    }

    /// A hand-written minimal report in the layout of newer Vitis versions: µs/ms latencies, a range of
    /// latencies, an unpipelined top, no sub-module instances.
    func testMinimalHandWrittenReport() throws {
        let text = """
        ================================================================
        == Vitis HLS Report for 'top'
        ================================================================
        * Version:        2024.2 (Build 1 on Jan 1 2025)
        * Target device:  xc7z020-clg400-1

        + Timing:
            * Summary:
            +--------+----------+----------+------------+
            |  Clock |  Target  | Estimated| Uncertainty|
            +--------+----------+----------+------------+
            |ap_clk  |  10.00 ns|  6.912 ns|     2.70 ns|
            +--------+----------+----------+------------+

        + Latency:
            * Summary:
            +---------+---------+----------+----------+-----+-------+---------+
            |  Latency (cycles) |  Latency (absolute) |  Interval   | Pipeline|
            |   min   |   max   |    min   |    max   | min |  max  |   Type  |
            +---------+---------+----------+----------+-----+-------+---------+
            |        4|     1200|  40.000 ns|  0.012 ms|    5|   1201|       no|
            +---------+---------+----------+----------+-----+-------+---------+

        ================================================================
        == Utilization Estimates
        ================================================================
        * Summary:
        +-----------------+---------+-----+--------+-------+-----+
        |       Name      | BRAM_18K| DSP |   FF   |  LUT  | URAM|
        +-----------------+---------+-----+--------+-------+-----+
        |Register         |        -|    -|     100|      -|    -|
        +-----------------+---------+-----+--------+-------+-----+
        |Total            |        3|    2|     610|    305|    0|
        +-----------------+---------+-----+--------+-------+-----+
        |Available        |      280|  220|  106400|  53200|    0|
        +-----------------+---------+-----+--------+-------+-----+
        """
        let report = try SynthesisReport.parse(text)
        XCTAssertEqual(report.tool, "Vitis HLS")
        XCTAssertEqual(report.toolVersion, "2024.2")
        XCTAssertEqual(report.topName, "top")
        XCTAssertEqual(report.part, "xc7z020-clg400-1")
        XCTAssertEqual(report.targetClockNs, 10)
        XCTAssertEqual(report.latencyMinCycles, 4)
        XCTAssertEqual(report.latencyMaxCycles, 1200)
        XCTAssertEqual(report.latencyMinNs, 40)
        XCTAssertEqual(report.latencyMaxNs ?? 0, 12_000, accuracy: 1e-6)
        XCTAssertEqual(report.intervalMin, 5)
        XCTAssertEqual(report.intervalMax, 1201)
        XCTAssertEqual(report.pipelineType, "no")
        XCTAssertEqual(report.total, ReportResources(bram18k: 3, dsp: 2, ff: 610, lut: 305, uram: 0))
        XCTAssertEqual(report.available?.lut, 53200)
        XCTAssertEqual(report.modules, [])
    }

    // MARK: Malformed input

    func testNotAReport() {
        XCTAssertThrowsError(try SynthesisReport.parse("hello\nworld\n", source: "x.rpt")) { error in
            let e = error as? UserError
            XCTAssertEqual(e?.location, "x.rpt")
            XCTAssertTrue(e?.what.contains("not a Vivado/Vitis HLS") ?? false)
        }
        XCTAssertThrowsError(try SynthesisReport.read(from: "/nonexistent/csynth.rpt")) { error in
            XCTAssertEqual((error as? UserError)?.what, "not found")
        }
    }

    func testTruncatedReportHasNoUtilization() throws {
        let text = try String(contentsOfFile: try sharedReport("vitis_hls_2024.1_jet_prune75_csynth.rpt"), encoding: .utf8)
        let truncated = String(text[..<text.range(of: "== Utilization Estimates")!.lowerBound])
        XCTAssertThrowsError(try SynthesisReport.parse(truncated, source: "t.rpt")) { error in
            XCTAssertTrue((error as? UserError)?.what.contains("Utilization Estimates") ?? false, "\(error)")
        }
    }

    func testMalformedNumberNamesTheLine() throws {
        let text = try String(contentsOfFile: try sharedReport("vivado_hls_2019.2_jet_p1_csynth.rpt"), encoding: .utf8)
        let broken = text.replacingOccurrences(of: "|Total                |        4|   1520|",
                                               with: "|Total                |        4|   15x0|")
        XCTAssertNotEqual(broken, text)
        let totalLine = broken.components(separatedBy: "\n").firstIndex { $0.contains("15x0") }! + 1
        XCTAssertThrowsError(try SynthesisReport.parse(broken, source: "b.rpt")) { error in
            let e = error as? UserError
            XCTAssertEqual(e?.location, "b.rpt:\(totalLine)")
            XCTAssertTrue(e?.what.contains("15x0") ?? false)
        }
    }

    func testTimeUnits() throws {
        XCTAssertEqual(try SynthesisReport.parseTime("0.070 us", at: ""), 70)
        XCTAssertEqual(try SynthesisReport.parseTime("5.00 ns ", at: ""), 5)
        XCTAssertNil(try SynthesisReport.parseTime("?", at: ""))
        XCTAssertThrowsError(try SynthesisReport.parseTime("5 parsecs", at: ""))
        XCTAssertNil(try SynthesisReport.parseCount("~0", at: ""))
        XCTAssertEqual(SynthesisReport.configIndex("softmax_stable_ap_fixed_ap_fixed_16_6_5_3_0_softmax_config13_s"), 13)
    }
}
