import Foundation
import FixedPoint
import Support

/// Precisions and types are stored in JSON as their hls4ml spelling (`fixed<16,6>`, `auto`), so the
/// graph file stays readable and a user can edit a type by hand.
extension FixedPointType: Codable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try FixedPointType.parse(text)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(isInteger && hasDefaultModes ? description : verboseDescription)
    }

    /// `fixed<W,I,Q,O,N>` always with modes, so integer-ness and modes survive a round trip.
    var verboseDescription: String {
        "\(isSigned ? "fixed" : "ufixed")<\(width),\(integer),\(quantization.rawValue),\(overflow.rawValue),\(saturationBits)>"
    }
}

extension Precision: Codable {
    public init(from decoder: Decoder) throws {
        self = try Precision.parse(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .auto: try container.encode("auto")
        case .fixed(let type): try container.encode(type)
        }
    }
}

extension ModelGraph {
    /// The file inside a generated project that `pipeline simulate`, `estimate` and `csim` read back.
    public static let fileName = "hls4swift_graph.json"

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]   // compact: weight arrays would take a line per number
        try AtomicFile.write(try encoder.encode(self), to: URL(fileURLWithPath: path))
    }

    /// Reads a graph file, or `<dir>/hls4swift_graph.json` when given a project directory.
    public static func read(from path: String) throws -> ModelGraph {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw UserError("not found", at: path, expected: "an HLS project directory written by `pipeline convert` or a \(fileName)")
        }
        let file = isDirectory.boolValue ? (path as NSString).appendingPathComponent(fileName) : path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw UserError("no \(fileName) in the project", at: path, expected: "a project written by hls4swift")
        }
        do {
            return try JSONDecoder().decode(ModelGraph.self, from: data)
        } catch let error as UserError {
            throw UserError(error.what, at: file, expected: error.expected)
        } catch {
            throw UserError("corrupt model graph file (\(error))", at: file, expected: "JSON written by hls4swift")
        }
    }
}
