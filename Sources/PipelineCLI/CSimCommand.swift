import ArgumentParser
import Foundation
import HLS
import ModelGraph
import Support

/// `pipeline csim <project-dir> --input X.npy --output Y.npy`: compile the generated project with g++
/// against the ap_types headers (binary cached by content hash) and run it on the samples.
struct CSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csim",
        abstract: "C-simulate a generated HLS project with g++ and the Xilinx ap_types headers.",
        discussion: """
        Inputs are written to tb_data/tb_input_features.dat (exact decimal doubles; the testbench parses them \
        with strtod, unlike hls4ml's float atof), the testbench runs, and tb_data/csim_results.log is read back \
        into a float32 .npy of shape [samples, outputs].
        """
    )

    @Argument(help: "Project directory written by `pipeline convert`.")
    var projectDirectory: String

    @Option(name: .long, help: "Input samples (.npy, one row per sample).")
    var input: String

    @Option(name: .long, help: "Where to write the firmware outputs (.npy, float32).")
    var output: String

    @Option(name: .long, help: "Folder with ap_fixed.h (default: the hls4swift cache, provisioned on first use).")
    var apTypes: String?

    @Option(name: .long, help: "Compiler optimization flag.")
    var optimization: String = "-O1"

    func run() throws {
        let inputs = try NPYArray.read(path: input)
        let start = Date()
        let options = CSimRunner.Options(optimization: optimization, apTypesDirectory: apTypes)
        let result = try CSimRunner.run(projectDirectory: projectDirectory, inputs: inputs, options: options)
        var float32 = result
        float32.elementType = .float32
        try float32.write(path: output)
        let seconds = Date().timeIntervalSince(start)
        print("csim: \(result.shape[0]) samples × \(result.shape[1]) outputs → \(output) (\(String(format: "%.1f", seconds)) s)")
    }
}
