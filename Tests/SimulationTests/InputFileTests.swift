import XCTest
import FixedPoint
import ModelGraph
import Simulation
import Support

final class InputFileTests: XCTestCase {
    func temporary(_ name: String, _ text: String) throws -> String {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("hls4swift-sim-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testCSVWithHeaderAndDatRows() throws {
        let csv = try InputMatrix.read(path: try temporary("x.csv", "a,b,c\n1,2,3\n4.5, -6e-1 ,7\n"))
        XCTAssertEqual(csv, InputMatrix(rows: 2, columns: 3, values: [1, 2, 3, 4.5, -0.6, 7]))
        let dat = try InputMatrix.read(path: try temporary("x.dat", "1 2\t3\n\n4 5 6 \n"))
        XCTAssertEqual(dat, InputMatrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6]))
    }

    func testMalformedInputsAreUserErrorsWithLines() throws {
        for (name, text, fragment) in [("bad.dat", "1 2 3\n4 x 6\n", ":2"), ("ragged.csv", "1,2\n3\n", ":2"),
                                       ("empty.dat", "\n\n", "no data rows")] {
            let path = try temporary(name, text)
            XCTAssertThrowsError(try InputMatrix.read(path: path)) { error in
                let text = (error as? UserError)?.description ?? "not a UserError"
                XCTAssertTrue(text.contains(fragment), text)
            }
        }
        XCTAssertThrowsError(try InputMatrix.read(path: "/nonexistent/x.npy")) { XCTAssertTrue($0 is UserError) }
        XCTAssertThrowsError(try InputMatrix.read(path: try temporary("x.json", "{}"))) { XCTAssertTrue($0 is UserError) }
    }

    /// The graph file the CLI reads must carry weights and types exactly: same outputs after a round trip.
    func testGraphFileRoundTripSimulatesIdentically() throws {
        let graph = SimulationBenchmark.jetTaggerGraph()
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("hls4swift-sim-project-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try graph.write(to: directory.appendingPathComponent(ModelGraph.fileName).path)
        let reread = try ModelGraph.read(from: directory.path)
        let x = SimulationBenchmark.inputs(samples: 200)
        XCTAssertEqual(try Simulator(graph: reread).predict(x), try Simulator(graph: graph).predict(x))
    }
}
