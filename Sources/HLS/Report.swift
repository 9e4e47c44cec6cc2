import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Support

/// Resource counts as a csynth report lists them (`nil` = the report has no number, e.g. `-`).
public struct ReportResources: Sendable, Equatable, Codable {
    public var bram18k: Int?
    public var dsp: Int?
    public var ff: Int?
    public var lut: Int?
    public var uram: Int?

    public init(bram18k: Int? = nil, dsp: Int? = nil, ff: Int? = nil, lut: Int? = nil, uram: Int? = nil) {
        self.bram18k = bram18k
        self.dsp = dsp
        self.ff = ff
        self.lut = lut
        self.uram = uram
    }

    enum CodingKeys: String, CodingKey { case bram18k = "bram_18k", dsp, ff, lut, uram }
}

/// One sub-module instance of the top function (a layer, in hls4ml designs).
public struct ModuleReport: Sendable, Equatable, Codable {
    /// Instance name, e.g. `grp_dense_latency_..._config2_s_fu_95`.
    public var instance: String
    /// Module name, e.g. `dense_latency_ap_fixed_16_6_5_3_0_ap_fixed_16_6_5_3_0_config2_s`.
    public var module: String
    /// hls4ml layer index parsed from `config<N>` in the module name, when it is there (Vivado HLS
    /// 2019.2 mangles most dense modules to `dense_latency_0_0_…` without it).
    public var layerIndex: Int?
    public var resources: ReportResources
    public var latencyMinCycles: Int?
    public var latencyMaxCycles: Int?
    public var latencyMinNs: Double?
    public var latencyMaxNs: Double?
    public var intervalMin: Int?
    public var intervalMax: Int?
    public var pipelineType: String?

    enum CodingKeys: String, CodingKey {
        case instance, module, layerIndex = "layer_index", resources
        case latencyMinCycles = "latency_min_cycles", latencyMaxCycles = "latency_max_cycles"
        case latencyMinNs = "latency_min_ns", latencyMaxNs = "latency_max_ns"
        case intervalMin = "ii_min", intervalMax = "ii_max", pipelineType = "pipeline_type"
    }
}

/// The numbers of a Vivado HLS / Vitis HLS C-synthesis report (`<top>_csynth.rpt` or `.xml`).
public struct SynthesisReport: Sendable, Equatable, Codable {
    /// `Vivado HLS` or `Vitis HLS`.
    public var tool: String
    /// e.g. `2019.2`, `2024.1`.
    public var toolVersion: String?
    public var topName: String?
    public var part: String?
    public var productFamily: String?
    public var targetClockNs: Double?
    public var estimatedClockNs: Double?
    public var clockUncertaintyNs: Double?
    public var latencyMinCycles: Int?
    public var latencyMaxCycles: Int?
    public var latencyMinNs: Double?
    public var latencyMaxNs: Double?
    public var intervalMin: Int?
    public var intervalMax: Int?
    /// `function`/`yes` (pipelined), `dataflow`, `no`/`none`.
    public var pipelineType: String?
    public var total: ReportResources
    public var available: ReportResources?
    public var modules: [ModuleReport]
    /// The file the numbers came from.
    public var source: String?

    enum CodingKeys: String, CodingKey {
        case tool, toolVersion = "tool_version", topName = "top", part, productFamily = "product_family"
        case targetClockNs = "target_clock_ns", estimatedClockNs = "estimated_clock_ns"
        case clockUncertaintyNs = "clock_uncertainty_ns"
        case latencyMinCycles = "latency_min_cycles", latencyMaxCycles = "latency_max_cycles"
        case latencyMinNs = "latency_min_ns", latencyMaxNs = "latency_max_ns"
        case intervalMin = "ii_min", intervalMax = "ii_max", pipelineType = "pipeline_type"
        case total, available, modules, source
    }

    public init(tool: String, total: ReportResources = ReportResources(), modules: [ModuleReport] = []) {
        self.tool = tool
        self.total = total
        self.modules = modules
    }

    /// The report in the estimator's fields (worst-case latency, largest interval); missing numbers are 0.
    public var resources: ResourceEstimate {
        let cycles = latencyMaxCycles ?? latencyMinCycles ?? 0
        let ns = latencyMaxNs ?? targetClockNs.map { Double(cycles) * $0 } ?? 0
        return ResourceEstimate(dsp: total.dsp ?? 0, lut: total.lut ?? 0, ff: total.ff ?? 0, bram18k: total.bram18k ?? 0,
                                latencyCycles: cycles, latencyNs: ns, ii: intervalMax ?? intervalMin ?? 0)
    }

    /// One JSON object: the report plus the estimator-shaped summary fields at the top level.
    public func jsonString(pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        var object = try JSONSerialization.jsonObject(with: try encoder.encode(self)) as? [String: Any] ?? [:]
        let summary = try JSONSerialization.jsonObject(with: try encoder.encode(resources)) as? [String: Any] ?? [:]
        for (key, value) in summary { object[key] = value }
        let options: JSONSerialization.WritingOptions = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: options), as: UTF8.self)
    }

    /// Human-readable summary for `pipeline report`.
    public func summary() -> String {
        func text(_ value: Int?) -> String { value.map(String.init) ?? "-" }
        func ns(_ value: Double?) -> String { value.map { formatNumber($0) + " ns" } ?? "-" }
        var out = "\(tool) \(toolVersion ?? "?") report for '\(topName ?? "?")' on \(part ?? "?")\n"
        out += "Clock: target \(ns(targetClockNs)), estimated \(ns(estimatedClockNs)), uncertainty \(ns(clockUncertaintyNs))\n"
        out += "Latency: \(text(latencyMinCycles))–\(text(latencyMaxCycles)) cycles (\(ns(latencyMinNs))–\(ns(latencyMaxNs))), "
        out += "II \(text(intervalMin))–\(text(intervalMax)), pipeline \(pipelineType ?? "-")\n"
        var rows: [[String]] = [["module", "layer", "BRAM_18K", "DSP", "FF", "LUT", "URAM", "latency", "II"]]
        for m in modules {
            rows.append([m.module, m.layerIndex.map(String.init) ?? "-", text(m.resources.bram18k), text(m.resources.dsp),
                         text(m.resources.ff), text(m.resources.lut), text(m.resources.uram), text(m.latencyMaxCycles),
                         text(m.intervalMax)])
        }
        rows.append(["TOTAL", "", text(total.bram18k), text(total.dsp), text(total.ff), text(total.lut), text(total.uram),
                     text(latencyMaxCycles), text(intervalMax)])
        if let available {
            rows.append(["available", "", text(available.bram18k), text(available.dsp), text(available.ff),
                         text(available.lut), text(available.uram), "", ""])
        }
        out += renderTable(rows, separatorBefore: [1, modules.count + 1])
        return out
    }
}

// MARK: - Parsing

extension SynthesisReport {
    /// Reads a csynth report: a `.rpt` or `.xml` file, or a project directory (searched for
    /// `<name>_prj/solution*/syn/report/<name>_csynth.rpt`, then `.xml`).
    public static func read(from path: String) throws -> SynthesisReport {
        let file = try locate(path)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw UserError("cannot read the report", at: file, expected: "a readable csynth report")
        }
        let text = String(decoding: data, as: UTF8.self)
        var report: SynthesisReport
        if file.lowercased().hasSuffix(".xml") || text.drop(while: { $0.isWhitespace }).hasPrefix("<") {
            report = try parseXML(data, source: file)
        } else {
            report = try parse(text, source: file)
        }
        report.source = file
        return report
    }

    /// Finds the top-level csynth report for a file or project-directory argument.
    static func locate(_ path: String) throws -> String {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw UserError("not found", at: path, expected: "a csynth report (.rpt/.xml) or an HLS project directory")
        }
        if !isDirectory.boolValue { return path }
        let url = URL(fileURLWithPath: path)
        // The top name: project.tcl's project_name, else the `<name>_prj` directory, else any *_csynth.rpt.
        var names: [String] = []
        if let tcl = try? String(contentsOf: url.appendingPathComponent("project.tcl"), encoding: .utf8),
           let match = tcl.range(of: #"set\s+project_name\s+"?([A-Za-z0-9_]+)"?"#, options: .regularExpression) {
            let words = tcl[match].replacingOccurrences(of: "\"", with: "").split(whereSeparator: { $0.isWhitespace })
            if let name = words.last { names.append(String(name)) }
        }
        let entries = (try? fm.contentsOfDirectory(atPath: path)) ?? []
        var projectDirectories = entries.filter { $0.hasSuffix("_prj") }.sorted()
        if path.hasSuffix("_prj") || fm.fileExists(atPath: url.appendingPathComponent("solution1").path) {
            projectDirectories = ["."]
            names.append(url.lastPathComponent.replacingOccurrences(of: "_prj", with: ""))
        }
        for directory in projectDirectories where directory != "." {
            names.append(String(directory.dropLast(4)))
        }
        var searched: [String] = []
        // A report directory itself.
        for name in names {
            for ext in ["rpt", "xml"] {
                let candidate = url.appendingPathComponent("\(name)_csynth.\(ext)").path
                if fm.fileExists(atPath: candidate) { return candidate }
            }
        }
        for directory in projectDirectories {
            let projectURL = directory == "." ? url : url.appendingPathComponent(directory)
            let solutions = ((try? fm.contentsOfDirectory(atPath: projectURL.path)) ?? [])
                .filter { $0.hasPrefix("solution") }.sorted()
            for solution in solutions {
                let reportDirectory = projectURL.appendingPathComponent(solution).appendingPathComponent("syn/report")
                for ext in ["rpt", "xml"] {
                    for name in names {
                        let candidate = reportDirectory.appendingPathComponent("\(name)_csynth.\(ext)").path
                        searched.append(candidate)
                        if fm.fileExists(atPath: candidate) { return candidate }
                    }
                }
            }
        }
        // Vitis Unified components (vitis-run with a config file): <component>/hls/syn/report/.
        for entry in entries.sorted() {
            let reportDirectory = url.appendingPathComponent(entry).appendingPathComponent("hls/syn/report")
            for name in names {
                let candidate = reportDirectory.appendingPathComponent("\(name)_csynth.rpt").path
                if fm.fileExists(atPath: candidate) { return candidate }
            }
        }
        throw UserError("no C-synthesis report found in the project", at: path,
                        expected: searched.isEmpty
                            ? "<name>_prj/solution1/syn/report/<name>_csynth.rpt (run `pipeline build` first)"
                            : "one of: " + searched.prefix(4).joined(separator: ", ") + " (run `pipeline build` first)")
    }

    /// Parses the text form. Vivado HLS (≤ 2020.1) and Vitis HLS (2020.2+) differ in the header name,
    /// `DSP48E` vs `DSP` columns, the number formats (`5.00 ns ` vs `5.00 ns`), `function` vs `yes`
    /// pipeline types and the extra `Available SLR` rows; the parser locates tables by their headers.
    public static func parse(_ text: String, source: String = "csynth.rpt") throws -> SynthesisReport {
        let lines = text.components(separatedBy: "\n")
        guard let headerLine = lines.firstIndex(where: { $0.range(of: #"==\s+(Vivado|Vitis)( HLS)? Report for"#, options: .regularExpression) != nil }) else {
            throw UserError("not a Vivado/Vitis HLS C-synthesis report (no \"== Vivado HLS Report for '…'\" header)",
                            at: source, expected: "a <top>_csynth.rpt written by vivado_hls or vitis_hls")
        }
        let header = lines[headerLine]
        var report = SynthesisReport(tool: header.contains("Vitis") ? "Vitis HLS" : "Vivado HLS")
        if let open = header.firstIndex(of: "'"), let close = header.lastIndex(of: "'"), open < close {
            report.topName = String(header[header.index(after: open)..<close])
        }
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("*"), let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = trimmed[trimmed.index(after: trimmed.startIndex)..<colon].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { continue }
            switch key {
            case "Version": if report.toolVersion == nil { report.toolVersion = value.split(separator: " ").first.map(String.init) }
            case "Target device": if report.part == nil { report.part = value }
            case "Product family": if report.productFamily == nil { report.productFamily = value }
            default: break
            }
        }

        func location(_ line: Int) -> String { "\(source):\(line + 1)" }

        // Timing summary: | ap_clk | target | estimated | uncertainty |
        if let timing = section(lines, titled: "+ Timing"), let table = readTable(lines, from: timing) {
            if let row = table.segments.dropFirst().first?.first, row.cells.count >= 4 {
                report.targetClockNs = try parseTime(row.cells[1], at: location(row.line))
                report.estimatedClockNs = try parseTime(row.cells[2], at: location(row.line))
                report.clockUncertaintyNs = try parseTime(row.cells[3], at: location(row.line))
            }
        }

        // Latency summary and per-instance latencies.
        struct ModuleTiming { var minCycles, maxCycles: Int?; var minNs, maxNs: Double?; var minII, maxII: Int?; var type: String? }
        var moduleLatencies: [String: ModuleTiming] = [:]
        if let latency = section(lines, titled: "+ Latency") {
            if let table = readTable(lines, from: latency), let row = table.segments.dropFirst().first?.first {
                guard row.cells.count >= 7 else {
                    throw UserError("latency summary has \(row.cells.count) columns", at: location(row.line),
                                    expected: "min/max cycles, min/max absolute, min/max interval, pipeline type")
                }
                report.latencyMinCycles = try parseCount(row.cells[0], at: location(row.line))
                report.latencyMaxCycles = try parseCount(row.cells[1], at: location(row.line))
                report.latencyMinNs = try parseTime(row.cells[2], at: location(row.line))
                report.latencyMaxNs = try parseTime(row.cells[3], at: location(row.line))
                report.intervalMin = try parseCount(row.cells[4], at: location(row.line))
                report.intervalMax = try parseCount(row.cells[5], at: location(row.line))
                report.pipelineType = row.cells[6].isEmpty ? nil : row.cells[6]
            }
            let end = section(lines, titled: "== Utilization Estimates", after: latency) ?? lines.count
            if let instances = subsection(lines, titled: "* Instance", from: latency, before: end),
               let table = readTable(lines, from: instances) {
                for row in table.segments.dropFirst().first ?? [] where row.cells.count >= 9 {
                    let c = row.cells
                    let at = location(row.line)
                    moduleLatencies[c[0]] = ModuleTiming(
                        minCycles: try parseCount(c[2], at: at), maxCycles: try parseCount(c[3], at: at),
                        minNs: try parseTime(c[4], at: at), maxNs: try parseTime(c[5], at: at),
                        minII: try parseCount(c[6], at: at), maxII: try parseCount(c[7], at: at),
                        type: c[8].isEmpty ? nil : c[8])
                }
            }
        }

        // Utilization summary: header row gives the column order.
        guard let utilization = section(lines, titled: "== Utilization Estimates"),
              let summary = subsection(lines, titled: "* Summary", from: utilization, before: lines.count),
              let table = readTable(lines, from: summary), let head = table.segments.first?.last else {
            throw UserError("no 'Utilization Estimates' summary table", at: source,
                            expected: "a complete csynth report (the synthesis may have failed)")
        }
        let columns = resourceColumns(head.cells)
        guard columns.dsp != nil || columns.lut != nil else {
            throw UserError("utilization table has no DSP/LUT columns (header: \(head.cells.joined(separator: ", ")))",
                            at: location(head.line), expected: "columns BRAM_18K, DSP48E or DSP, FF, LUT, URAM")
        }
        for row in table.segments.dropFirst().joined() {
            switch row.cells.first {
            case "Total": report.total = try resources(row, columns, at: location(row.line))
            case "Available": report.available = try resources(row, columns, at: location(row.line))
            default: break
            }
        }
        guard report.total.dsp != nil || report.total.lut != nil else {
            throw UserError("utilization summary has no 'Total' row", at: location(head.line),
                            expected: "a 'Total' row with BRAM_18K, DSP, FF, LUT, URAM counts")
        }

        // Per-instance utilization.
        let detailEnd = section(lines, titled: "== Interface", after: utilization) ?? lines.count
        if let instances = subsection(lines, titled: "* Instance", from: summary, before: detailEnd),
           let table = readTable(lines, from: instances), let head = table.segments.first?.last {
            let moduleColumns = resourceColumns(head.cells)
            for row in table.segments.dropFirst().first ?? [] where row.cells.count >= 3 {
                var module = ModuleReport(instance: row.cells[0], module: row.cells[1], layerIndex: nil,
                                          resources: try resources(row, moduleColumns, at: location(row.line)))
                module.layerIndex = configIndex(module.module)
                if let timing = moduleLatencies[module.instance] {
                    module.latencyMinCycles = timing.minCycles
                    module.latencyMaxCycles = timing.maxCycles
                    module.latencyMinNs = timing.minNs
                    module.latencyMaxNs = timing.maxNs
                    module.intervalMin = timing.minII
                    module.intervalMax = timing.maxII
                    module.pipelineType = timing.type
                }
                report.modules.append(module)
            }
        }
        // Layer order: by hls4ml index where known.
        report.modules.sort { ($0.layerIndex ?? Int.max, $0.instance) < ($1.layerIndex ?? Int.max, $1.instance) }
        return report
    }

    // MARK: Text helpers

    struct Row { var line: Int; var cells: [String] }
    /// Rows of an ASCII table split at its `+---+` separator lines (segment 0 = header rows).
    struct Table { var segments: [[Row]] }

    static func section(_ lines: [String], titled title: String, after start: Int = -1) -> Int? {
        lines.indices.first { $0 > start && lines[$0].trimmingCharacters(in: .whitespaces).hasPrefix(title) }
    }

    static func subsection(_ lines: [String], titled title: String, from start: Int, before end: Int) -> Int? {
        guard start + 1 < end else { return nil }
        return (start + 1..<min(end, lines.count)).first { lines[$0].trimmingCharacters(in: .whitespaces).hasPrefix(title) }
    }

    /// The first table after `start` (skipping up to a few title lines); nil when a new section comes first.
    static func readTable(_ lines: [String], from start: Int) -> Table? {
        var index = start + 1
        while index < lines.count {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("+-") { break }
            if trimmed.hasPrefix("==") || trimmed == "N/A" || index > start + 4 { return nil }
            index += 1
        }
        guard index < lines.count else { return nil }
        var segments: [[Row]] = []
        var current: [Row] = []
        var sawSeparator = false
        while index < lines.count {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("+-") {
                if sawSeparator { segments.append(current) }
                current = []
                sawSeparator = true
            } else if trimmed.hasPrefix("|") {
                var cells = trimmed.split(separator: "|", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                if cells.first == "" { cells.removeFirst() }
                if cells.last == "" { cells.removeLast() }
                current.append(Row(line: index, cells: cells))
            } else {
                break
            }
            index += 1
        }
        if !current.isEmpty { segments.append(current) }
        return segments.isEmpty ? nil : Table(segments: segments)
    }

    struct ResourceColumns { var bram: Int?, dsp: Int?, ff: Int?, lut: Int?, uram: Int? }

    static func resourceColumns(_ header: [String]) -> ResourceColumns {
        var columns = ResourceColumns()
        for (index, name) in header.enumerated() {
            switch name.uppercased() {
            case "BRAM_18K", "BRAM": columns.bram = index
            case "DSP48E", "DSP", "DSP48", "DSP58": columns.dsp = index
            case "FF": columns.ff = index
            case "LUT": columns.lut = index
            case "URAM": columns.uram = index
            default: break
            }
        }
        return columns
    }

    static func resources(_ row: Row, _ columns: ResourceColumns, at location: String) throws -> ReportResources {
        func value(_ column: Int?) throws -> Int? {
            guard let column, column < row.cells.count else { return nil }
            return try parseCount(row.cells[column], at: location)
        }
        return ReportResources(bram18k: try value(columns.bram), dsp: try value(columns.dsp), ff: try value(columns.ff),
                               lut: try value(columns.lut), uram: try value(columns.uram))
    }

    /// An integer cell; `-`, `?`, `~0` and empty mean "no number".
    static func parseCount(_ cell: String, at location: String) throws -> Int? {
        let text = cell.trimmingCharacters(in: .whitespaces)
        if text.isEmpty || text == "-" || text == "?" || text.hasPrefix("~") || text.lowercased() == "undef" { return nil }
        guard let value = Int(text) else {
            throw UserError("malformed number '\(cell)'", at: location, expected: "an integer count")
        }
        return value
    }

    /// A time cell such as `5.00 ns`, `70.000 ns`, `0.070 us`, `4.371`; returned in ns.
    static func parseTime(_ cell: String, at location: String) throws -> Double? {
        let text = cell.trimmingCharacters(in: .whitespaces)
        if text.isEmpty || text == "-" || text == "?" || text.lowercased() == "undef" { return nil }
        let parts = text.split(separator: " ")
        let scale: Double
        switch parts.count > 1 ? parts[1].lowercased() : "ns" {
        case "ps": scale = 1e-3
        case "ns": scale = 1
        case "us": scale = 1e3
        case "ms": scale = 1e6
        case "s", "sec": scale = 1e9
        default:
            throw UserError("malformed time '\(cell)'", at: location, expected: "a number with ns/us/ms")
        }
        guard let number = Double(parts[0]) else {
            throw UserError("malformed time '\(cell)'", at: location, expected: "a number such as 5.00 ns")
        }
        return number * scale
    }

    /// `…_config13_s` → 13.
    static func configIndex(_ module: String) -> Int? {
        guard let range = module.range(of: #"config(\d+)"#, options: .regularExpression) else { return nil }
        return Int(module[range].dropFirst("config".count))
    }
}

// MARK: - XML form

extension SynthesisReport {
    /// Parses `<top>_csynth.xml` (the file hls4ml's `parse_vivado_report` reads).
    public static func parseXML(_ data: Data, source: String = "csynth.xml") throws -> SynthesisReport {
        let collector = XMLValueCollector()
        let parser = XMLParser(data: data)
        parser.delegate = collector
        guard parser.parse(), collector.values["profile/UserAssignments/TopModelName"] != nil
                || collector.values["profile/AreaEstimates/Resources/LUT"] != nil else {
            let line = parser.lineNumber
            throw UserError("not a csynth XML report" + (parser.parserError.map { " (\($0.localizedDescription))" } ?? ""),
                            at: "\(source):\(line)", expected: "<profile> with UserAssignments, PerformanceEstimates, AreaEstimates")
        }
        let v = collector.values
        func count(_ key: String) throws -> Int? {
            guard let text = v[key] else { return nil }
            return try parseCount(text, at: "\(source) (\(key))")
        }
        func number(_ key: String) throws -> Double? {
            guard let text = v[key] else { return nil }
            return try parseTime(text, at: "\(source) (\(key))")
        }
        let version = v["profile/ReportVersion/Version"]
        let major = version.flatMap { Int($0.prefix(4)) } ?? 0
        let minor = version.flatMap { $0.split(separator: ".").dropFirst().first.flatMap { Int($0) } } ?? 0
        var report = SynthesisReport(tool: (major, minor) >= (2020, 2) ? "Vitis HLS" : "Vivado HLS")
        report.toolVersion = version
        report.topName = v["profile/UserAssignments/TopModelName"]
        report.part = v["profile/UserAssignments/Part"]
        report.productFamily = v["profile/UserAssignments/ProductFamily"]
        report.targetClockNs = try number("profile/UserAssignments/TargetClockPeriod")
        report.clockUncertaintyNs = try number("profile/UserAssignments/ClockUncertainty")
        report.estimatedClockNs = try number("profile/PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod")
        let latency = "profile/PerformanceEstimates/SummaryOfOverallLatency/"
        report.latencyMinCycles = try count(latency + "Best-caseLatency")
        report.latencyMaxCycles = try count(latency + "Worst-caseLatency")
        report.latencyMinNs = try number(latency + "Best-caseRealTimeLatency")
        report.latencyMaxNs = try number(latency + "Worst-caseRealTimeLatency")
        report.intervalMin = try count(latency + "Interval-min")
        report.intervalMax = try count(latency + "Interval-max")
        report.pipelineType = v["profile/PerformanceEstimates/PipelineType"]
        func resources(_ prefix: String) throws -> ReportResources {
            ReportResources(bram18k: try count(prefix + "BRAM_18K"),
                            dsp: try count(prefix + "DSP") ?? count(prefix + "DSP48E"),
                            ff: try count(prefix + "FF"), lut: try count(prefix + "LUT"), uram: try count(prefix + "URAM"))
        }
        report.total = try resources("profile/AreaEstimates/Resources/")
        let available = try resources("profile/AreaEstimates/AvailableResources/")
        report.available = available == ReportResources() ? nil : available
        if report.latencyMaxNs == nil, let cycles = report.latencyMaxCycles, let clock = report.targetClockNs {
            report.latencyMaxNs = Double(cycles) * clock
        }
        return report
    }
}

/// Collects the text of every element by its slash-separated path (first occurrence wins).
private final class XMLValueCollector: NSObject, XMLParserDelegate {
    var values: [String: String] = [:]
    private var path: [String] = []
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        path.append(elementName)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        let key = path.joined(separator: "/")
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !value.isEmpty && values[key] == nil { values[key] = value }
        text = ""
        path.removeLast()
    }
}
