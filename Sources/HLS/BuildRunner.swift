import Foundation
import ModelGraph
import Support

/// The steps of hls4ml's `build_prj.tcl` flow (facts §2.1, §2.4).
public struct BuildOptions: Sendable, Equatable {
    public var reset = false
    public var csim = false
    public var synth = true
    public var cosim = false
    public var validation = false
    public var export = false
    public var vsynth = false
    public var fifoOpt = false

    public init(reset: Bool = false, csim: Bool = false, synth: Bool = true, cosim: Bool = false, validation: Bool = false,
                export: Bool = false, vsynth: Bool = false, fifoOpt: Bool = false) {
        self.reset = reset
        self.csim = csim
        self.synth = synth
        self.cosim = cosim
        self.validation = validation
        self.export = export
        self.vsynth = vsynth
        self.fifoOpt = fifoOpt
    }

    var pairs: [(String, Bool)] {
        [("reset", reset), ("csim", csim), ("synth", synth), ("cosim", cosim), ("validation", validation),
         ("export", export), ("vsynth", vsynth), ("fifo_opt", fifoOpt)]
    }

    /// The switches `vivado_hls -f build_prj.tcl` receives: `reset=0 csim=0 synth=1 …`. hls4ml passes them
    /// as one quoted word; we pass one word per switch, which both hls4ml's argv parsing (a regexp per
    /// switch over every word) and a split-per-word parser read correctly.
    public var vivadoArguments: [String] { pairs.map { "\($0.0)=\($0.1 ? 1 : 0)" } }

    /// `build_opt.tcl` for the Vitis flow: `array set opt { reset 0 csim 0 … }`.
    public var vitisOptionFile: String {
        "array set opt {\n" + pairs.map { "    \($0.0.padding(toLength: 11, withPad: " ", startingAt: 0)) \($0.1 ? 1 : 0)" }
            .joined(separator: "\n") + "\n}\n"
    }
}

/// Runs the vendor HLS flow of a generated project and reads back its C-synthesis report.
public struct BuildRunner: Sendable {
    /// The executable that will run the flow.
    public struct Tool: Sendable, Equatable {
        /// `vivado_hls`, `vitis-run` or `vitis_hls`.
        public var name: String
        public var path: String
        public var backend: HardwareTarget.Backend

        /// Arguments for running `build_prj.tcl` with this tool.
        public func arguments(_ options: BuildOptions) -> [String] {
            switch name {
            case "vivado_hls": return ["-f", "build_prj.tcl"] + options.vivadoArguments
            case "vitis-run": return ["--tcl", "build_prj.tcl", "--mode", "hls"]
            default: return ["-f", "build_prj.tcl"]
            }
        }
    }

    /// Tools per backend, in order of preference (hls4ml uses vitis-run for Vitis ≥ 2024.2).
    public static func toolNames(for backend: HardwareTarget.Backend) -> [String] {
        backend == .vivado ? ["vivado_hls"] : ["vitis-run", "vitis_hls"]
    }

    /// PATH to search (default: the process's PATH).
    public var searchPath: String

    public init(searchPath: String? = nil) {
        self.searchPath = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    }

    /// The first executable with one of `names` on the search path.
    public func find(_ names: [String]) -> String? {
        for name in names {
            for directory in searchPath.split(separator: ":") where !directory.isEmpty {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// The backend a project was written for: `project.tcl`'s `backend`, else the graph file's target.
    public static func backend(ofProject directory: String) -> HardwareTarget.Backend? {
        let url = URL(fileURLWithPath: directory)
        if let tcl = try? String(contentsOf: url.appendingPathComponent("project.tcl"), encoding: .utf8),
           let range = tcl.range(of: #"set\s+backend\s+"?[A-Za-z]+"?"#, options: .regularExpression) {
            let value = tcl[range].lowercased()
            if value.contains("vitis") { return .vitis }
            if value.contains("vivado") { return .vivado }
        }
        return (try? ModelGraph.read(from: directory))?.target.backend
    }

    /// Chooses the tool for a project, or explains in one line that none is installed.
    public func tool(forProject directory: String) throws -> Tool {
        let backend = Self.backend(ofProject: directory)
        let backends: [HardwareTarget.Backend] = backend.map { [$0] } ?? [.vitis, .vivado]
        for candidate in backends {
            let names = Self.toolNames(for: candidate)
            for name in names {
                if let path = find([name]) { return Tool(name: name, path: path, backend: candidate) }
            }
        }
        let names = backends.flatMap { Self.toolNames(for: $0) }
        let which = backend.map { "\($0.rawValue) HLS" } ?? "Vivado/Vitis HLS"
        throw UserError("no \(which) tool on PATH (looked for \(names.joined(separator: ", "))); cannot run synthesis",
                        at: directory, expected: "a Xilinx/AMD HLS installation on PATH (source its settings64.sh)")
    }

    /// Runs `build_prj.tcl` in `directory` and returns the parsed C-synthesis report (nil when synthesis
    /// was not requested). The tool's output goes to `log` (inherited stdout/stderr when nil).
    @discardableResult
    public func build(projectDirectory directory: String, options: BuildOptions = BuildOptions(),
                      log: URL? = nil) throws -> SynthesisReport? {
        let url = URL(fileURLWithPath: directory)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("build_prj.tcl").path) else {
            throw UserError("no build_prj.tcl in the project", at: directory,
                            expected: "a project directory written by `pipeline convert`")
        }
        let tool = try tool(forProject: directory)
        // Vitis reads its switches from build_opt.tcl; our build_prj.tcl sources it for Vivado too, so
        // it is written for both (the argv switches of vivado_hls say the same).
        try AtomicFile.write(options.vitisOptionFile, to: url.appendingPathComponent("build_opt.tcl"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool.path)
        process.arguments = tool.arguments(options)
        process.currentDirectoryURL = url
        var logHandle: FileHandle?
        if let log {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            logHandle = try FileHandle(forWritingTo: log)
            process.standardOutput = logHandle
            process.standardError = logHandle
        }
        defer { try? logHandle?.close() }
        do {
            try process.run()
        } catch {
            throw UserError("cannot start \(tool.path) (\(error.localizedDescription))", at: directory)
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw UserError("\(tool.name) \(tool.arguments(options).joined(separator: " ")) failed with status \(process.terminationStatus)",
                            at: directory, expected: "a successful run; see \(log?.path ?? "the tool output above") and vitis_hls.log / vivado_hls.log")
        }
        guard options.synth else { return nil }
        return try SynthesisReport.read(from: directory)
    }
}
