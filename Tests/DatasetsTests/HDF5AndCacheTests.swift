import Foundation
import HDF5
import XCTest
@testable import Datasets
import Support

final class HDF5JetTests: XCTestCase {
    /// A small file in the original layout: compound rows of float32 `j_` jet fields repeated once per constituent
    /// (with a per-constituent `j1_pt`), int32 one-hot labels j_g, j_q, j_w, j_z, j_t, and `j_index`.
    func writeOriginalLayout(_ path: String, withIndex: Bool = true, badRow: Bool = false) throws {
        let rows = factsRows.map { $0.0.split(separator: ",").map { Double($0)! } }
        let constituents = [3, 1, 2, 2, 1]  // rows per jet
        var columns: [(name: String, type: HDF5ScalarType, values: [Double])] = []
        var expanded: [[Double]] = []
        var classes: [String] = []
        var indices: [Double] = []
        var pts: [Double] = []
        for (jet, count) in constituents.enumerated() {
            for c in 0..<count {
                expanded.append(rows[jet]); classes.append(factsRows[jet].1)
                indices.append(Double(jet) + (factsRows[jet].1 == "w" ? 2e8 : 0)); pts.append(Double(100 * jet + c))
            }
        }
        if badRow { expanded[0][14] = .nan }
        columns.append(("j1_pt", .float32, pts))
        for (j, name) in JetDataset.standardFeatureNames.enumerated() {
            columns.append(("j_" + name, .float32, expanded.map { $0[j] }))
        }
        for label in ["g", "q", "w", "z", "t"] {
            columns.append(("j_" + label, .int32, classes.map { $0 == label ? 1 : 0 }))
        }
        if withIndex { columns.append(("j_index", .int32, indices)) }
        let file = try HDF5File.create(path: path)
        try file.writeCompoundDataset("t_allpar_new", columns: columns)
        file.close()
    }

    func testReadsCompoundRowsDeduplicatesAndReordersLabels() throws {
        let dir = try temporaryDirectory()
        for withIndex in [true, false] {
            let path = dir.appendingPathComponent("jets-\(withIndex).z").path
            try writeOriginalLayout(path, withIndex: withIndex)
            let d = try DatasetLoader.loadUncached(path: path).dataset
            XCTAssertEqual(d.rows, 5, "one row per jet (withIndex \(withIndex))")
            XCTAssertEqual(d.classNames, ["g", "q", "t", "w", "z"])
            XCTAssertEqual(d.labels, [0, 3, 2, 4, 3])  // g, w, t, z, w despite the file's j_g,j_q,j_w,j_z,j_t order
            XCTAssertEqual(d.value(row: 2, column: 14), Double(Float(162.144669)))  // float32 widened exactly
            XCTAssertEqual(d.value(row: 4, column: 15), 35)
        }
    }

    func testErrors() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("jets.h5").path
        try writeOriginalLayout(path, badRow: true)
        assertUserError(["1 bad row", "row 0", "NaN"]) { _ = try DatasetLoader.loadUncached(path: path) }
        var options = DatasetLoadOptions()
        options.dropBadRows = true
        XCTAssertEqual(try DatasetLoader.loadUncached(path: path, options: options).dataset.rows, 4)

        var renamed = DatasetLoadOptions()
        renamed.featureNames = JetDataset.standardFeatureNames.map { $0 == "mass_mmdt" ? "mass_trim" : $0 }
        assertUserError(["feature 'mass_trim'", "j_mass_trim", "missing"]) { _ = try DatasetLoader.loadUncached(path: path, options: renamed) }
        var otherTable = DatasetLoadOptions()
        otherTable.hdf5Dataset = "jets"
        assertUserError(["dataset 'jets' is missing", "t_allpar_new"]) { _ = try DatasetLoader.loadUncached(path: path, options: otherTable) }
        var extraClass = DatasetLoadOptions()
        extraClass.classNames = ["g", "q", "t", "w", "z", "h"]
        assertUserError(["class columns j_h are missing"]) { _ = try DatasetLoader.loadUncached(path: path, options: extraClass) }

        // Truncated file: half of it.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let truncated = dir.appendingPathComponent("truncated.h5")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        assertUserError(["truncated.h5"]) { _ = try DatasetLoader.loadUncached(path: truncated.path) }
        let empty = dir.appendingPathComponent("empty.h5")
        try Data().write(to: empty)
        assertUserError(["empty.h5"]) { _ = try DatasetLoader.loadUncached(path: empty.path) }
    }

    func testWriterRoundTrip() throws {
        let dir = try temporaryDirectory()
        let text = featureHeader + ",class\n" + factsRows.map { "\($0.0),\($0.1)" }.joined(separator: "\n")
        let original = try DatasetLoader.loadUncached(path: write(text, "jets.csv", in: dir)).dataset
        let path = dir.appendingPathComponent("out.h5").path
        try HDF5JetReader.write(original, to: path)
        let back = try DatasetLoader.loadUncached(path: path).dataset
        XCTAssertEqual(back.labels, original.labels)
        XCTAssertEqual(back.features, original.features.map { Double(Float($0)) })
    }
}

final class CacheTests: XCTestCase {
    func testSHA256KnownVectors() {
        // FIPS 180-4 examples.
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testSecondLoadComesFromCacheAndStaleOrCorruptEntriesAreRebuilt() throws {
        let dir = try temporaryDirectory()
        let cache = DatasetCache(directory: dir.appendingPathComponent("cache"))
        let lines = [featureHeader + ",class"] + factsRows.map { "\($0.0),\($0.1)" }
        let path = try write(lines.joined(separator: "\n") + "\n", "jets.csv", in: dir)
        let first = try DatasetLoader.load(path: path, cache: cache)
        XCTAssertFalse(first.fromCache)
        let second = try DatasetLoader.load(path: path, cache: cache)
        XCTAssertTrue(second.fromCache)
        XCTAssertEqual(second.dataset, first.dataset)

        // Same content, new mtime: still a hit (content hash matches).
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 100)], ofItemAtPath: path)
        XCTAssertTrue(try DatasetLoader.load(path: path, cache: cache).fromCache)

        // Changed content: a miss, then the new content.
        _ = try write((lines + [factsRows[0].0 + ",q"]).joined(separator: "\n") + "\n", "jets.csv", in: dir)
        let changed = try DatasetLoader.load(path: path, cache: cache)
        XCTAssertFalse(changed.fromCache)
        XCTAssertEqual(changed.dataset.rows, 6)

        // Corrupt the cache file's payload: silently rebuilt.
        let entry = try FileManager.default.contentsOfDirectory(at: cache.directory, includingPropertiesForKeys: nil).first!
        var bytes = [UInt8](try Data(contentsOf: entry))
        bytes[bytes.count - 3] ^= 0x5A
        try Data(bytes).write(to: entry)
        let rebuilt = try DatasetLoader.load(path: path, cache: cache)
        XCTAssertFalse(rebuilt.fromCache)
        XCTAssertEqual(rebuilt.dataset, changed.dataset)
        XCTAssertTrue(try DatasetLoader.load(path: path, cache: cache).fromCache)
        // Truncated cache file: also rebuilt.
        try Data(bytes.prefix(40)).write(to: entry)
        XCTAssertFalse(try DatasetLoader.load(path: path, cache: cache).fromCache)

        // Different options are a different entry (drop vs refuse).
        var options = DatasetLoadOptions()
        options.dropBadRows = true
        XCTAssertFalse(try DatasetLoader.load(path: path, options: options, cache: cache).fromCache)
    }
}
