import Foundation
import XCTest
@testable import Datasets
import Support

/// The first five rows of OpenML 42468 as printed in hls4ml-facts §8.1 (row, class).
let factsRows: [(String, String)] = [
    ("-2.935125,0.383155,0.005126,0.000084,0.009070,0.000179,1.769445,2.123898,1.769445,0.308185,0.135687,0.083278,0.412136,0.299058,8.926882,75.0", "g"),
    ("-1.927335,0.270699,0.001585,0.000011,0.003232,0.000029,2.038834,2.563099,2.038834,0.211886,0.063729,0.036310,0.310217,0.226661,3.886512,31.0", "w"),
    ("-3.112147,0.458171,0.097914,0.028588,0.124278,0.038487,1.269254,1.346238,1.269254,0.246488,0.115636,0.079094,0.357559,0.289220,162.144669,61.0", "t"),
    ("-2.666515,0.437068,0.049122,0.007978,0.047477,0.004802,0.966505,0.601864,0.966505,0.160756,0.082196,0.033311,0.238871,0.094516,91.258934,39.0", "z"),
    ("-2.484843,0.428981,0.041786,0.006110,0.023066,0.001123,0.552002,0.183821,0.552002,0.084338,0.048006,0.014450,0.141906,0.036665,79.725777,35.0", "w"),
]
let featureHeader = JetDataset.standardFeatureNames.joined(separator: ",")

/// A fresh temporary directory per test.
func temporaryDirectory(_ name: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("hls4swift-datasets-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func write(_ text: String, _ name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// Asserts a `UserError` whose text contains every fragment.
func assertUserError(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected a UserError containing \(fragments)", file: file, line: line)
    } catch let error as UserError {
        for fragment in fragments {
            XCTAssertTrue(error.description.contains(fragment), "'\(error.description)' lacks '\(fragment)'", file: file, line: line)
        }
        XCTAssertFalse(error.description.contains("\n"), "error must be one line: \(error.description)", file: file, line: line)
    } catch {
        XCTFail("expected UserError, got \(error)", file: file, line: line)
    }
}

final class CSVLoaderTests: XCTestCase {
    func testReadsFactsRowsWithStringLabels() throws {
        let dir = try temporaryDirectory()
        let text = featureHeader + ",class\n" + factsRows.map { "\($0.0),\($0.1)" }.joined(separator: "\n") + "\n"
        let loaded = try DatasetLoader.loadUncached(path: write(text, "jets.csv", in: dir))
        let d = loaded.dataset
        XCTAssertEqual(d.rows, 5)
        XCTAssertEqual(d.featureCount, 16)
        XCTAssertEqual(d.classNames, ["g", "q", "t", "w", "z"])
        XCTAssertEqual(d.labels, [0, 3, 2, 4, 3])  // g, w, t, z, w
        XCTAssertEqual(d.value(row: 0, column: 0), -2.935125)
        XCTAssertEqual(d.value(row: 2, column: 14), 162.144669)
        XCTAssertEqual(d.value(row: 4, column: 15), 35)
        XCTAssertEqual(d.oneHotLabels()[5..<10], [0, 0, 0, 1, 0])  // row 1 = w, facts §8.1
        XCTAssertEqual(loaded.droppedRows.count, 0)
    }

    func testColumnsByNameIntegerLabelsQuotesAndCRLF() throws {
        // Reversed column order, an extra index column, quoted header names, integer class indices, CRLF.
        let names = JetDataset.standardFeatureNames
        let header = "\"\",\"class\"," + names.reversed().map { "\"\($0)\"" }.joined(separator: ",")
        var lines = [header]
        for (k, row) in factsRows.enumerated() {
            let values = row.0.split(separator: ",").reversed().joined(separator: ",")
            let index = ["g": 0, "q": 1, "t": 2, "w": 3, "z": 4][row.1]!
            lines.append("\(k),\(index),\(values)")
        }
        let dir = try temporaryDirectory()
        let d = try DatasetLoader.loadUncached(path: write(lines.joined(separator: "\r\n") + "\r\n", "jets.csv", in: dir)).dataset
        XCTAssertEqual(d.featureNames, names)
        XCTAssertEqual(d.labels, [0, 3, 2, 4, 3])
        XCTAssertEqual(d.value(row: 3, column: 0), -2.666515)
        XCTAssertEqual(d.value(row: 3, column: 14), 91.258934)
    }

    func testBadRowsRefusedWithLineNumbersOrDropped() throws {
        let dir = try temporaryDirectory()
        var lines = [featureHeader + ",class"]
        lines.append(factsRows[0].0 + ",g")                                          // line 2 ok
        lines.append(factsRows[1].0.replacingOccurrences(of: "-1.927335", with: "nan") + ",w")  // line 3 NaN
        lines.append(factsRows[2].0 + ",x")                                          // line 4 unknown label
        lines.append("1,2,3,g")                                                      // line 5 wrong column count
        lines.append(factsRows[3].0.replacingOccurrences(of: "91.258934", with: "inf") + ",z")  // line 6 Inf
        lines.append(factsRows[4].0 + ",w")                                          // line 7 ok
        let path = try write(lines.joined(separator: "\n"), "bad.csv", in: dir)
        assertUserError(["4 bad rows", "line 3", "NaN", "line 4", "unknown label 'x'", "line 5"]) {
            _ = try DatasetLoader.loadUncached(path: path)
        }
        var options = DatasetLoadOptions()
        options.dropBadRows = true
        let loaded = try DatasetLoader.loadUncached(path: path, options: options)
        XCTAssertEqual(loaded.dataset.labels, [0, 3])
        XCTAssertEqual(loaded.droppedRows.count, 4)
        XCTAssertEqual(loaded.droppedRows.examples.map(\.location), ["line 3", "line 4", "line 5", "line 6"])
        XCTAssertTrue(loaded.droppedRows.examples[3].reason.contains("infinite"))
    }

    func testHeaderErrors() throws {
        let dir = try temporaryDirectory()
        let noMass = featureHeader.replacingOccurrences(of: "mass_mmdt", with: "mass_mmdtt") + ",class\n" + factsRows[0].0 + ",g\n"
        let p1 = try write(noMass, "a.csv", in: dir)
        assertUserError(["feature 'mass_mmdt' is missing", "a.csv:1", "mass_mmdtt"]) { _ = try DatasetLoader.loadUncached(path: p1) }
        let noClass = featureHeader + ",label\n" + factsRows[0].0 + ",g\n"
        let p2 = try write(noClass, "b.csv", in: dir)
        assertUserError(["class column 'class' is missing"]) { _ = try DatasetLoader.loadUncached(path: p2) }
        let p3 = try write("", "empty.csv", in: dir)
        assertUserError(["empty"]) { _ = try DatasetLoader.loadUncached(path: p3) }
        let p4 = try write(featureHeader + ",class\n", "header-only.csv", in: dir)
        assertUserError(["no data rows"]) { _ = try DatasetLoader.loadUncached(path: p4) }
        assertUserError(["not found", "missing.csv"]) { _ = try DatasetLoader.loadUncached(path: dir.appendingPathComponent("missing.csv").path) }
        let p5 = try write("x", "jets.parquet", in: dir)
        assertUserError(["unknown dataset format", "jets.parquet"]) { _ = try DatasetLoader.loadUncached(path: p5) }
    }
}

final class ARFFLoaderTests: XCTestCase {
    /// An ARFF file in OpenML's style: comments, quoted names, mixed NUMERIC/REAL/INTEGER, nominal class.
    func arffText(rows: [String]) -> String {
        var text = "% hls4ml_lhc_jets_hlf\n% comment line\n@RELATION 'hls4ml_lhc_jets_hlf'\n\n"
        for (k, name) in JetDataset.standardFeatureNames.enumerated() {
            let type = name == "multiplicity" ? "INTEGER" : (k % 2 == 0 ? "NUMERIC" : "REAL")
            text += k == 1 ? "@ATTRIBUTE '\(name)' \(type)\n" : "@attribute \(name) \(type)\n"
        }
        text += "@attribute class {g,q,t,w,z}\n\n@DATA\n% a comment inside data\n"
        return text + rows.joined(separator: "\n") + "\n"
    }

    func testReadsOpenMLStyleFile() throws {
        let dir = try temporaryDirectory()
        let rows = factsRows.enumerated().map { k, row in k == 2 ? "\(row.0),'\(row.1)'" : "\(row.0),\(row.1)" }
        let loaded = try DatasetLoader.loadUncached(path: write(arffText(rows: rows), "jets.arff", in: dir))
        XCTAssertEqual(loaded.dataset.labels, [0, 3, 2, 4, 3])
        XCTAssertEqual(loaded.dataset.value(row: 1, column: 6), 2.038834)
        XCTAssertEqual(loaded.dataset.value(row: 1, column: 8), 2.038834)
        XCTAssertEqual(loaded.dataset.value(row: 4, column: 14), 79.725777)
    }

    func testMissingValuesAndUnknownLabelsAreBadRows() throws {
        let dir = try temporaryDirectory()
        let rows = [factsRows[0].0 + ",g", factsRows[1].0.replacingOccurrences(of: "0.270699", with: "?") + ",w",
                    factsRows[2].0 + ",?", factsRows[3].0 + ",h"]
        let path = try write(arffText(rows: rows), "bad.arff", in: dir)
        // Header is 3 comments/relation + blank + 17 attributes + blank + @DATA + comment = 24 lines; rows start at 25.
        assertUserError(["3 bad rows", "line 26", "missing value '?' for 'c1_b0_mmdt'", "line 27", "missing class"]) {
            _ = try DatasetLoader.loadUncached(path: path)
        }
        var options = DatasetLoadOptions()
        options.dropBadRows = true
        let loaded = try DatasetLoader.loadUncached(path: path, options: options)
        XCTAssertEqual(loaded.dataset.rows, 1)
        XCTAssertEqual(loaded.droppedRows.examples.last?.description, "line 28: unknown label 'h'")
    }

    func testHeaderErrors() throws {
        let dir = try temporaryDirectory()
        let noFeature = arffText(rows: [factsRows[0].0 + ",g"]).replacingOccurrences(of: "n2_b2_mmdt", with: "n2b2")
        let p1 = try write(noFeature, "a.arff", in: dir)
        assertUserError(["feature 'n2_b2_mmdt' is missing"]) { _ = try DatasetLoader.loadUncached(path: p1) }
        let noClass = arffText(rows: [factsRows[0].0 + ",g"]).replacingOccurrences(of: "@attribute class", with: "@attribute target")
        let p2 = try write(noClass, "b.arff", in: dir)
        assertUserError(["class attribute 'class' is missing"]) { _ = try DatasetLoader.loadUncached(path: p2) }
        let p3 = try write("% only a comment\n", "c.arff", in: dir)
        assertUserError(["empty"]) { _ = try DatasetLoader.loadUncached(path: p3) }
        let sparse = arffText(rows: ["{0 1.5, 16 g}"])
        let p4 = try write(sparse, "d.arff", in: dir)
        assertUserError(["sparse ARFF"]) { _ = try DatasetLoader.loadUncached(path: p4) }
    }

    func testWriterRoundTrip() throws {
        let dir = try temporaryDirectory()
        let text = featureHeader + ",class\n" + factsRows.map { "\($0.0),\($0.1)" }.joined(separator: "\n")
        let original = try DatasetLoader.loadUncached(path: write(text, "jets.csv", in: dir)).dataset
        let arff = dir.appendingPathComponent("out.arff").path
        try ARFFReader.write(original, to: arff)
        XCTAssertEqual(try DatasetLoader.loadUncached(path: arff).dataset, original)
        let csv = dir.appendingPathComponent("out.csv").path
        try CSVReader.write(original, to: csv)
        XCTAssertEqual(try DatasetLoader.loadUncached(path: csv).dataset, original)
    }
}

final class NumPyLoaderTests: XCTestCase {
    /// A .npy image assembled by hand from the format spec (NEP 1), not by our writer.
    func handNPY(descr: String, shape: String, payload: [UInt8]) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        header += String(repeating: " ", count: 63 - (10 + header.utf8.count) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: payload)
        return data
    }

    func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } } }

    func testTutorialDirectoryWithUnicodeClasses() throws {
        let dir = try temporaryDirectory()
        let rows = factsRows.map { $0.0.split(separator: ",").map { Double($0)! } }
        func xPayload(_ r: [[Double]]) -> [UInt8] { littleEndian(r.flatMap { $0 }.map { $0.bitPattern }) }
        func yPayload(_ labels: [Int]) -> [UInt8] { littleEndian(labels.flatMap { l in (0..<5).map { $0 == l ? 1.0 : 0.0 } }.map { $0.bitPattern }) }
        try handNPY(descr: "<f8", shape: "(3, 16)", payload: xPayload(Array(rows[0..<3]))).write(to: dir.appendingPathComponent("X_train_val.npy"))
        try handNPY(descr: "<f8", shape: "(2, 16)", payload: xPayload(Array(rows[3..<5]))).write(to: dir.appendingPathComponent("X_test.npy"))
        try handNPY(descr: "<f8", shape: "(3, 5)", payload: yPayload([0, 3, 2])).write(to: dir.appendingPathComponent("y_train_val.npy"))
        try handNPY(descr: "<f8", shape: "(2, 5)", payload: yPayload([4, 3])).write(to: dir.appendingPathComponent("y_test.npy"))
        // '<U1': one UTF-32LE code unit per element.
        try handNPY(descr: "<U1", shape: "(5,)", payload: littleEndian(Array("gqtwz".unicodeScalars.map(\.value))))
            .write(to: dir.appendingPathComponent("classes.npy"))
        let loaded = try DatasetLoader.loadUncached(path: dir.path, format: .npy)
        XCTAssertEqual(loaded.dataset.labels, [0, 3, 2, 4, 3])
        XCTAssertEqual(loaded.predefinedTrainCount, 3)
        XCTAssertEqual(loaded.dataset.value(row: 4, column: 14), 79.725777)
        XCTAssertEqual(try NumPyArray.read(path: dir.appendingPathComponent("classes.npy").path).strings, ["g", "q", "t", "w", "z"])

        // Single X file: labels from the sibling y file.
        let single = try DatasetLoader.loadUncached(path: dir.appendingPathComponent("X_test.npy").path)
        XCTAssertEqual(single.dataset.labels, [4, 3])
    }

    func testRejectsFortranOrderPicklesAndTruncation() throws {
        let dir = try temporaryDirectory()
        let p1 = dir.appendingPathComponent("X.npy")
        try handNPY(descr: "<f8", shape: "(1, 16)", payload: [UInt8](repeating: 0, count: 128)).write(to: p1)
        try handNPY(descr: "|O", shape: "(1,)", payload: [0, 0, 0, 0, 0, 0, 0, 0]).write(to: dir.appendingPathComponent("y.npy"))
        assertUserError(["pickle"]) { _ = try DatasetLoader.loadUncached(path: p1.path) }
        try handNPY(descr: "<f8", shape: "(1, 16)", payload: [UInt8](repeating: 0, count: 100)).write(to: p1)
        assertUserError(["truncated"]) { _ = try NumPyArray.read(path: p1.path) }
        let header = "{'descr': '<f8', 'fortran_order': True, 'shape': (1, 16), }"
        var image = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count + 1), 0])
        image.append(contentsOf: Array((header + "\n").utf8)); image.append(contentsOf: [UInt8](repeating: 0, count: 128))
        try image.write(to: p1)
        assertUserError(["Fortran order"]) { _ = try NumPyArray.read(path: p1.path) }
    }

    func testReadsNumpySavezStoredAndCompressed() throws {
        for (name, base64) in [("stored", NumPyFixtures.savezStored), ("compressed", NumPyFixtures.savezCompressed)] {
            let dir = try temporaryDirectory(name)
            let url = dir.appendingPathComponent("jets.npz")
            try Data(base64Encoded: base64)!.write(to: url)
            let loaded = try DatasetLoader.loadUncached(path: url.path)
            XCTAssertEqual(loaded.dataset.labels, [0, 3, 2], name)
            XCTAssertEqual(loaded.predefinedTrainCount, 2, name)
            // float32 widened exactly: Float(162.144669) = 162.14466857910156.
            XCTAssertEqual(loaded.dataset.value(row: 2, column: 14), 162.14466857910156, name)
            XCTAssertEqual(loaded.dataset.value(row: 1, column: 15), 31, name)
        }
    }

    func testNPZWriterRoundTripAndCorruption() throws {
        let dir = try temporaryDirectory()
        let text = featureHeader + ",class\n" + factsRows.map { "\($0.0),\($0.1)" }.joined(separator: "\n")
        let original = try DatasetLoader.loadUncached(path: write(text, "jets.csv", in: dir)).dataset
        let path = dir.appendingPathComponent("out.npz").path
        try NumPyDataset.writeNPZ(original, to: path)
        XCTAssertEqual(try DatasetLoader.loadUncached(path: path).dataset, original)
        // Truncate: the end record disappears.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 30).write(to: URL(fileURLWithPath: path))
        assertUserError(["not a valid .npz"]) { _ = try DatasetLoader.loadUncached(path: path) }
        // Flip one data byte: CRC mismatch.
        var flipped = [UInt8](bytes)
        flipped[200] ^= 0xFF
        try Data(flipped).write(to: URL(fileURLWithPath: path))
        assertUserError(["CRC"]) { _ = try DatasetLoader.loadUncached(path: path) }
    }

    func testCRC32KnownValue() {
        // The standard check value of CRC-32/ISO-HDLC for "123456789".
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }
}
