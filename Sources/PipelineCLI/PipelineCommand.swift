import ArgumentParser
import Foundation
import Support

/// `pipeline`: from jet data to verified HLS firmware. This file only wires subcommands;
/// each subcommand lives in its own file and calls into the `Pipeline` library.
struct PipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Train jet-tagging MLPs, generate Vivado/Vitis HLS firmware, and verify it bit-exactly.",
        subcommands: [
            TrainAndBuildCommand.self,
            SweepCommand.self,
            EvaluateCommand.self,
            DatasetCommand.self,
            ConvertCommand.self,
            SimulateCommand.self,
            CSimCommand.self,
            EstimateCommand.self,
            ReportCommand.self,
            BuildCommand.self,
            BenchCommand.self,
        ]
    )
}

/// Runs the command; user mistakes (`UserError`) become one line on stderr and exit code 1.
@main
enum Main {
    static func main() {
        do {
            var command = try PipelineCommand.parseAsRoot()
            try command.run()
        } catch let error as UserError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        } catch {
            PipelineCommand.exit(withError: error)
        }
    }
}

/// `pipeline bench train|simulate|convert --json`: benchmarks that print a JSON object on the last line.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (a JSON object on the last line with --json).",
        subcommands: [BenchTrainCommand.self, BenchSimulate.self, BenchConvertCommand.self]
    )
}
