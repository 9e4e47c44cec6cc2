import XCTest
import Foundation
@testable import Support

final class NPYTests: XCTestCase {
    /// A float32 file as numpy writes it, byte for byte (header text from the format spec, NEP 1):
    /// numpy.save of np.array([[1.5, -2.0], [0.25, 3.0]], dtype=np.float32).
    func testReadsFloat32FileBuiltByHand() throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
        header += String(repeating: " ", count: 128 - 10 - header.count - 1) + "\n"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count), 0]
        bytes += Array(header.utf8)
        for value: Float in [1.5, -2.0, 0.25, 3.0] { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        let array = try NPYArray.parse(Data(bytes), source: "hand.npy")
        XCTAssertEqual(array.shape, [2, 2])
        XCTAssertEqual(array.values, [1.5, -2.0, 0.25, 3.0])
        XCTAssertEqual(array.elementType, .float32)
    }

    func testRoundTripPreservesFloat64Values() throws {
        let original = NPYArray(shape: [3], values: [0.1, -1e300, 42], elementType: .float64)
        let data = original.serialized()
        XCTAssertEqual((data.count - 3 * 8) % 64, 0, "64-byte padded header, then three doubles")
        XCTAssertEqual(try NPYArray.parse(data, source: "mem"), original)
        XCTAssertEqual((10 + Int(data[8])) % 64, 0, "data must start on a 64-byte boundary")
    }

    func testRejectsFortranOrderAndPickles() {
        func file(_ header: String) -> Data {
            var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count), 0]
            bytes += Array(header.utf8)
            return Data(bytes + [UInt8](repeating: 0, count: 64))
        }
        XCTAssertThrowsError(try NPYArray.parse(file("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }\n"), source: "f.npy")) { error in
            XCTAssertTrue("\(error)".contains("Fortran order"), "\(error)")
        }
        XCTAssertThrowsError(try NPYArray.parse(file("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n"), source: "p.npy")) { error in
            XCTAssertTrue("\(error)".contains("pickle"), "\(error)")
        }
        XCTAssertThrowsError(try NPYArray.parse(Data("hello".utf8), source: "x.npy"))
    }

    func testReadsSharedReferenceInputsWhenPresent() throws {
        let path = "../shared/data/hls4ml-reference/ref_inputs_16.npy"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("../shared not present") }
        let array = try NPYArray.read(path: path)
        XCTAssertEqual(array.shape, [20000, 16])
        XCTAssertEqual(array.elementType, .float32)
        // Standard-normal noise: the mean of 320k samples is within a few 1e-3 of 0.
        let mean = array.values.reduce(0, +) / Double(array.values.count)
        XCTAssertLessThan(abs(mean), 0.02)
    }
}

final class UserErrorTests: XCTestCase {
    func testNearestName() {
        XCTAssertEqual(nearestName(to: "Percision", in: ["Precision", "ReuseFactor", "Strategy"]), "Precision")
        XCTAssertEqual(nearestName(to: "reusefactor", in: ["Precision", "ReuseFactor", "Strategy"]), "ReuseFactor")
    }

    func testDescriptionSaysWhatWhereExpected() {
        let error = UserError("unknown key 'Percision'", at: "jets.yml:12", expected: "'Precision'")
        XCTAssertEqual(error.description, "jets.yml:12: unknown key 'Percision'; expected 'Precision'")
    }
}
