import Foundation
import Support
import XCTest

/// Helpers shared by several test targets (one copy instead of one per target).

/// Running the external tools the vendor proofs need (g++ and the compiled harnesses).
public enum Shell {
    /// The executable `name` on PATH, if any.
    public static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs `executable` and returns its exit status and combined stdout/stderr.
    public static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Asserts that `body` throws a `UserError` whose text contains every fragment in `texts`.
public func assertUserError(_ body: @autoclosure () throws -> Any?, contains texts: String...,
                            file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected a UserError containing \(texts)", file: file, line: line)
    } catch let error as UserError {
        for text in texts {
            XCTAssertTrue(error.description.contains(text), "'\(error.description)' lacks '\(text)'", file: file, line: line)
        }
    } catch {
        XCTFail("expected a UserError, got \(error)", file: file, line: line)
    }
}
