import Foundation
import FixedPoint
import ModelGraph
import Support

/// One file of a generated project: path relative to the project directory.
public struct ProjectFile: Sendable, Equatable {
    public var path: String
    public var contents: String
    public var executable: Bool

    public init(path: String, contents: String, executable: Bool = false) {
        self.path = path
        self.contents = contents
        self.executable = executable
    }
}

/// Writes a `ModelGraph` as a Vivado/Vitis HLS project in hls4ml's layout (facts §2.1):
/// `firmware/<name>.cpp/.h`, `defines.h`, `parameters.h`, `weights/`, `nnet_utils/` (our own
/// template library), `<name>_test.cpp`, `<name>_bridge.cpp`, `build_lib.sh`, `build_prj.tcl`,
/// `build_opt.tcl`, `project.tcl`, `vivado_synth.tcl`, `hls4ml_config.yml`, `tb_data/` and the graph
/// itself (`hls4swift_graph.json`) for `pipeline simulate/estimate/csim`.
///
/// Deviations from hls4ml, on purpose: the testbench parses inputs with `strtod` into double (hls4ml:
/// `atof` into float) and prints outputs with 17 significant digits, so C-simulation sees exactly
/// the values the Swift simulator sees; HLS directives are spelled `NNET_PRAGMA(HLS ...)` so that
/// g++ -Wall does not warn about unknown pragmas (the HLS tool sees the same `#pragma HLS` lines).
public enum ProjectWriter {
    public struct Options: Sendable {
        /// Project and top-function name; nil keeps the graph's `projectName` (default `myproject`).
        public var projectName: String?
        /// Testbench inputs (`tb_data/tb_input_features.dat`), one sample per row.
        public var inputData: NPYArray?
        /// Expected outputs (`tb_data/tb_output_predictions.dat`).
        public var outputPredictions: NPYArray?
        /// IP version written to project.tcl.
        public var version: String
        /// Write `weights/*.txt` (hls4ml `WriteWeightsTxt`, needed by C-simulation).
        public var writeWeightsText: Bool

        public init(projectName: String? = nil, inputData: NPYArray? = nil, outputPredictions: NPYArray? = nil,
                    version: String = "1.0.0", writeWeightsText: Bool = true) {
            self.projectName = projectName
            self.inputData = inputData
            self.outputPredictions = outputPredictions
            self.version = version
            self.writeWeightsText = writeWeightsText
        }
    }

    /// Generates and writes the project into `directory`. The files are first written into a
    /// temporary sibling directory which then replaces `directory` by rename, so a failure never
    /// leaves a half-written project (and an old project survives a failed rewrite).
    public static func write(_ graph: ModelGraph, to directory: String, options: Options = Options()) throws {
        var graph = graph
        if let name = options.projectName { graph.projectName = name }
        try write(files: try generate(graph, options: options), graph: graph, to: directory)
    }

    /// Writes already generated files (and the graph file) atomically as a project directory.
    public static func write(files: [ProjectFile], graph: ModelGraph, to directory: String) throws {
        let fileManager = FileManager.default
        let destination = URL(fileURLWithPath: directory).standardizedFileURL
        let parent = destination.deletingLastPathComponent()
        // An existing directory is replaced only when it is empty or a project (ours or hls4ml's):
        // never move aside a folder that merely happens to be named as the output.
        var existing: [String]?
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw UserError("output path exists and is not a directory", at: destination.path,
                                expected: "a directory path for the HLS project")
            }
            let entries = (try? fileManager.contentsOfDirectory(atPath: destination.path)) ?? []
            guard entries.isEmpty || entries.contains(ModelGraph.fileName) || entries.contains("project.tcl") else {
                throw UserError("output directory exists and is not an HLS project (no \(ModelGraph.fileName) or project.tcl); refusing to replace it",
                                at: destination.path, expected: "a new or empty directory, or a project written before")
            }
            existing = entries
        }
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw UserError("cannot create the output directory (\(error.localizedDescription))", at: parent.path)
        }
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? fileManager.removeItem(at: staging) }
        do {
            for folder in ["tb_data", "firmware/weights", "firmware/nnet_utils"] {
                try fileManager.createDirectory(at: staging.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            // Inside the private staging directory plain writes suffice: nobody sees these files
            // until the directory is renamed into place (per-file AtomicFile writes would fsync
            // each of the ~35 files and make writing the jet tagger 20× slower).
            for file in files {
                try writeFile(Data(file.contents.utf8), to: staging.appendingPathComponent(file.path).path,
                              executable: file.executable)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]   // as ModelGraph.write does (compact: 4,389 weights)
            try writeFile(try encoder.encode(graph), to: staging.appendingPathComponent(ModelGraph.fileName).path, executable: false)
        } catch let error as UserError {
            throw error
        } catch {
            throw UserError("cannot write the project (\(error.localizedDescription))", at: staging.path)
        }
        // Swap into place: old project aside, new one in, old one removed. The directory then holds
        // exactly the generated project (a previous HLS solution folder goes with the old project,
        // so reports can never describe a different design than the sources beside them).
        guard existing != nil else {
            if rename(staging.path, destination.path) != 0 {
                throw UserError("cannot move the new project into place (\(String(cString: strerror(errno))))", at: destination.path)
            }
            return
        }
        let old = parent.appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard rename(destination.path, old.path) == 0 else {
            throw UserError("cannot replace the existing project (\(String(cString: strerror(errno))))", at: destination.path)
        }
        guard rename(staging.path, destination.path) == 0 else {
            let code = errno
            _ = rename(old.path, destination.path)
            throw UserError("cannot move the new project into place (\(String(cString: strerror(code))))", at: destination.path)
        }
        try? fileManager.removeItem(at: old)
    }

    /// open/write/close without fsync (see `write(_:to:options:)` for why that is safe here).
    static func writeFile(_ data: Data, to path: String, executable: Bool) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, executable ? 0o755 : 0o644)
        guard descriptor >= 0 else {
            throw UserError("cannot create file (\(String(cString: strerror(errno))))", at: path)
        }
        defer { close(descriptor) }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw UserError("cannot write file (\(String(cString: strerror(errno))))", at: path)
                }
                offset += written
            }
        }
    }

    /// The project's files (without the graph file), a pure function of the graph and options.
    public static func generate(_ graph: ModelGraph, options: Options = Options()) throws -> [ProjectFile] {
        var graph = graph
        if let name = options.projectName { graph.projectName = name }
        let plan = try ProjectPlan(graph: graph)
        var files: [ProjectFile] = []
        let name = plan.projectName
        files.append(ProjectFile(path: "firmware/\(name).cpp", contents: plan.topSource()))
        files.append(ProjectFile(path: "firmware/\(name).h", contents: plan.topHeader()))
        files.append(ProjectFile(path: "firmware/defines.h", contents: plan.definesHeader()))
        files.append(ProjectFile(path: "firmware/parameters.h", contents: plan.parametersHeader()))
        for array in plan.weightArrays {
            let text = array.text()
            files.append(ProjectFile(path: "firmware/weights/\(array.name).h", contents: array.header(text: text)))
            if options.writeWeightsText {
                files.append(ProjectFile(path: "firmware/weights/\(array.name).txt", contents: text + "\n"))
            }
        }
        for template in TemplateLibrary.files {
            files.append(ProjectFile(path: "firmware/nnet_utils/\(template.name)", contents: template.contents))
        }
        files.append(ProjectFile(path: "\(name)_test.cpp", contents: plan.testbench()))
        files.append(ProjectFile(path: "\(name)_bridge.cpp", contents: plan.bridge()))
        files.append(ProjectFile(path: "build_lib.sh", contents: plan.buildLibraryScript(), executable: true))
        files.append(ProjectFile(path: "build_prj.tcl", contents: plan.buildProjectTcl()))
        files.append(ProjectFile(path: "project.tcl", contents: plan.projectTcl(version: options.version)))
        files.append(ProjectFile(path: "vivado_synth.tcl", contents: plan.vivadoSynthTcl()))
        if graph.target.backend == .vitis {
            files.append(ProjectFile(path: "build_opt.tcl", contents: ProjectPlan.defaultBuildOptions))
        }
        files.append(ProjectFile(path: "hls4ml_config.yml", contents: plan.configYAML(version: options.version)))
        if let input = options.inputData {
            try plan.checkColumns(input, expected: graph.inputSize, what: "input data")
            files.append(ProjectFile(path: "tb_data/tb_input_features.dat", contents: testbenchData(input)))
        }
        if let output = options.outputPredictions {
            try plan.checkColumns(output, expected: graph.outputSize, what: "output predictions")
            files.append(ProjectFile(path: "tb_data/tb_output_predictions.dat", contents: testbenchData(output)))
        }
        return files
    }

    /// One sample per line, values separated by spaces, each printed with 17 significant digits
    /// (so `strtod` in the testbench recovers the exact double).
    public static func testbenchData(_ array: NPYArray) -> String {
        let (rows, columns) = array.rowsAndColumns
        var text = ""
        text.reserveCapacity(rows * columns * 12)
        var index = 0
        for _ in 0..<rows {
            for column in 0..<columns {
                if column > 0 { text += " " }
                text += exactDecimal(array.values[index])
                index += 1
            }
            text += "\n"
        }
        return text
    }

    /// The shortest decimal that parses back to the same double (Swift's description is
    /// round-trip exact), without the exponent-free padding `%.17g` would add.
    static func exactDecimal(_ value: Double) -> String {
        if value == 0 { return "0" }
        return "\(value)"
    }
}

/// ReuseFactor rules of hls4ml's Resource strategy (facts §3.3).
public enum ReuseFactorRule {
    /// True when hls4ml accepts `reuseFactor` for a Dense of `inputs` × `outputs`.
    public static func isValid(_ reuseFactor: Int, inputs: Int, outputs: Int) -> Bool {
        guard reuseFactor >= 1 else { return false }
        let multFactor = min(inputs, reuseFactor)
        let product = inputs * outputs
        let multiplierLimit = (product + multFactor - 1) / multFactor
        return (multiplierLimit % outputs == 0 || reuseFactor >= inputs)
            && (reuseFactor % inputs == 0 || reuseFactor < inputs)
            && product % reuseFactor == 0
    }

    /// All valid reuse factors, ascending.
    public static func validValues(inputs: Int, outputs: Int) -> [Int] {
        (1...max(1, inputs * outputs)).filter { isValid($0, inputs: inputs, outputs: outputs) }
    }

    /// The valid values closest to `reuseFactor` (the nearest below and above).
    public static func nearestValid(to reuseFactor: Int, inputs: Int, outputs: Int) -> [Int] {
        let valid = validValues(inputs: inputs, outputs: outputs)
        let below = valid.last { $0 < reuseFactor }
        let above = valid.first { $0 > reuseFactor }
        return [below, above].compactMap { $0 }
    }
}
