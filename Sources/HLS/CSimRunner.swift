import Foundation
import ModelGraph
import Support

/// C-simulation of a generated project: compile the firmware and testbench with g++ against the
/// Xilinx ap_types headers, feed samples through `tb_data/`, read the results back.
///
/// The binary is cached by a content hash of everything it is built from (firmware sources and
/// headers except the weight .txt files, which are read at run time; the testbench; compiler and
/// flags), so re-running on new inputs, or on an identical project elsewhere, does not recompile.
public enum CSimRunner {
    public struct Options: Sendable {
        /// The C++ compiler (`$CXX` or `g++`).
        public var compiler: String
        /// Optimization flag; -O1 compiles the unrolled kernels quickly and runs fast enough.
        public var optimization: String
        /// Folder with ap_fixed.h; nil uses `Support.APTypes.includeDirectory()`.
        public var apTypesDirectory: String?
        /// Where compiled binaries are kept; nil uses `<hls4swift cache>/csim`.
        public var cacheDirectory: String?

        public init(compiler: String? = nil, optimization: String = "-O1", apTypesDirectory: String? = nil,
                    cacheDirectory: String? = nil) {
            self.compiler = compiler ?? ProcessInfo.processInfo.environment["CXX"].flatMap { $0.isEmpty ? nil : $0 } ?? "g++"
            self.optimization = optimization
            self.apTypesDirectory = apTypesDirectory
            self.cacheDirectory = cacheDirectory
        }
    }

    /// Runs the project on `inputs` (one sample per row) and returns the firmware outputs,
    /// shape [samples, outputs], exact (float64) values of `result_t`.
    public static func run(projectDirectory: String, inputs: NPYArray, options: Options = Options()) throws -> NPYArray {
        let graph = try ModelGraph.read(from: projectDirectory)
        let (rows, columns) = inputs.rowsAndColumns
        guard columns == graph.inputSize else {
            throw UserError("inputs have \(columns) values per sample", at: "--input",
                            expected: "\(graph.inputSize) features per sample for project '\(graph.projectName)'")
        }
        let binary = try build(projectDirectory: projectDirectory, options: options)
        let project = URL(fileURLWithPath: projectDirectory)
        let inputFile = project.appendingPathComponent("tb_data/tb_input_features.dat")
        let resultFile = project.appendingPathComponent("tb_data/csim_results.log")
        try AtomicFile.write(ProjectWriter.testbenchData(inputs), to: inputFile)
        try? FileManager.default.removeItem(at: resultFile)
        let result = try execute(binary, arguments: [], in: project.path)
        guard result.status == 0 else {
            throw UserError("C simulation failed (exit \(result.status)): \(lastLines(result.errors))", at: projectDirectory)
        }
        guard let text = try? String(contentsOf: resultFile, encoding: .utf8) else {
            throw UserError("C simulation wrote no results", at: resultFile.path)
        }
        let outputs = graph.outputSize
        var values: [Double] = []
        values.reserveCapacity(rows * outputs)
        var lineCount = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: " ")
            guard fields.count == outputs else {
                throw UserError("C simulation result line \(lineCount + 1) has \(fields.count) values", at: resultFile.path,
                                expected: "\(outputs) outputs per sample")
            }
            for field in fields {
                guard let value = Double(field) else {
                    throw UserError("unreadable number '\(field)' on line \(lineCount + 1)", at: resultFile.path)
                }
                values.append(value)
            }
            lineCount += 1
        }
        guard lineCount == rows else {
            throw UserError("C simulation produced \(lineCount) samples for \(rows) inputs", at: resultFile.path)
        }
        return NPYArray(shape: [rows, outputs], values: values, elementType: .float64)
    }

    /// Compiles the project's testbench (or finds it in the cache) and returns the binary's path.
    public static func build(projectDirectory: String, options: Options = Options()) throws -> String {
        let graph = try ModelGraph.read(from: projectDirectory)
        let name = graph.projectName
        let project = URL(fileURLWithPath: projectDirectory).standardizedFileURL
        let fileManager = FileManager.default
        let sources = ["firmware/\(name).cpp", "\(name)_test.cpp"]
        for source in sources where !fileManager.fileExists(atPath: project.appendingPathComponent(source).path) {
            throw UserError("missing \(source)", at: project.path, expected: "a project written by `pipeline convert`")
        }
        let apTypes = try APTypes.includeDirectory(explicit: options.apTypesDirectory)
        let flags = ["-std=c++17", options.optimization, "-isystem", apTypes, "-Ifirmware",
                     "-DWEIGHTS_DIR=\"firmware/weights\""]

        var hasher = ContentHash()
        hasher.add(options.compiler)
        for flag in flags { hasher.add(flag) }
        var inputs = sources
        if let enumerator = fileManager.enumerator(atPath: project.appendingPathComponent("firmware").path) {
            for case let path as String in enumerator where path.hasSuffix(".h") || path.hasSuffix(".cpp") {
                inputs.append("firmware/" + path)
            }
        }
        for path in Set(inputs).sorted() {
            hasher.add(path)
            guard let data = fileManager.contents(atPath: project.appendingPathComponent(path).path) else {
                throw UserError("cannot read \(path)", at: project.path)
            }
            hasher.add(data)
        }
        let cacheRoot = options.cacheDirectory.map { URL(fileURLWithPath: $0) }
            ?? APTypes.cacheDirectory.deletingLastPathComponent().appendingPathComponent("csim")
        let binary = cacheRoot.appendingPathComponent("\(name)-\(hasher.hex)")
        if fileManager.isExecutableFile(atPath: binary.path) { return binary.path }

        try fileManager.createDirectory(at: cacheRoot, withIntermediateDirectories: true)
        let temporary = cacheRoot.appendingPathComponent(".\(name)-\(hasher.hex).tmp-\(getpid())")
        let arguments = flags + sources + ["-o", temporary.path]
        let result = try execute(options.compiler, arguments: arguments, in: project.path, searchPath: true)
        guard result.status == 0 else {
            try? fileManager.removeItem(at: temporary)
            throw UserError("compiling the C simulation failed: \(lastLines(result.errors, count: 8))", at: project.path,
                            expected: "a project that compiles with \(options.compiler)")
        }
        guard rename(temporary.path, binary.path) == 0 else {
            throw UserError("cannot move the compiled binary into the cache (\(String(cString: strerror(errno))))", at: binary.path)
        }
        return binary.path
    }

    struct Execution { var status: Int32; var output: String; var errors: String }

    static func execute(_ executable: String, arguments: [String], in directory: String, searchPath: Bool = false) throws -> Execution {
        let process = Process()
        if searchPath {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("hls4swift-csim-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out")
        let errorFile = outputFile.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
        // Files rather than pipes: a chatty compiler cannot fill a pipe buffer and stall.
        let outputHandle = try FileHandle(forWritingTo: outputFile)
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        do {
            try process.run()
        } catch {
            throw UserError("cannot run \(executable) (\(error.localizedDescription))", at: directory,
                            expected: "\(executable) installed and on PATH")
        }
        process.waitUntilExit()
        try? outputHandle.close()
        try? errorHandle.close()
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        if process.terminationReason == .uncaughtSignal {
            return Execution(status: 128 + process.terminationStatus, output: output, errors: errors + " (killed by signal \(process.terminationStatus))")
        }
        return Execution(status: process.terminationStatus, output: output, errors: errors)
    }

    static func lastLines(_ text: String, count: Int = 3) -> String {
        let lines = text.split(separator: "\n").suffix(count)
        return lines.isEmpty ? "no error output" : lines.joined(separator: " | ")
    }
}

/// 128-bit FNV-1a style content hash (two 64-bit lanes with different offsets); collisions are
/// not a security concern here, only accidental reuse of a stale binary.
struct ContentHash {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x6c62_272e_07bb_0142

    mutating func add(_ data: Data) {
        data.withUnsafeBytes { raw in
            for byte in raw {
                a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
                b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 ^ (b >> 29)
            }
        }
        // Length separator so ("ab","c") and ("a","bc") differ.
        var length = UInt64(data.count)
        withUnsafeBytes(of: &length) { raw in
            for byte in raw { a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
    }

    mutating func add(_ text: String) { add(Data(text.utf8)) }

    var hex: String { String(format: "%016llx%016llx", a, b) }
}
