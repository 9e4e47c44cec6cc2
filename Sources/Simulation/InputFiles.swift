import Foundation
import Support

/// A numeric matrix read for simulation: `rows × columns`, row-major.
public struct InputMatrix: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Reads `.npy` (1-D = one sample, 2-D = rows), `.csv` (comma-separated, an optional
    /// non-numeric header line) or `.dat`/`.txt` (whitespace-separated rows, as hls4ml's
    /// `tb_input_features.dat`).
    public static func read(path: String) throws -> InputMatrix {
        let lower = path.lowercased()
        if lower.hasSuffix(".npy") {
            let array = try NPYArray.read(path: path)
            guard array.shape.count <= 2 else {
                throw UserError("the .npy array has shape \(array.shape)", at: path, expected: "a 2-D array (samples × features)")
            }
            if array.shape.count == 1 { return InputMatrix(rows: 1, columns: array.values.count, values: array.values) }
            let (rows, columns) = array.rowsAndColumns
            return InputMatrix(rows: rows, columns: columns, values: array.values)
        }
        let separator: Character?
        if lower.hasSuffix(".csv") {
            separator = ","
        } else if lower.hasSuffix(".dat") || lower.hasSuffix(".txt") {
            separator = nil
        } else {
            throw UserError("unknown input file type", at: path, expected: "a .npy, .csv or .dat file")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw UserError("file not found", at: path, expected: "an existing input file")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read file", at: path) }
        return try parseText(String(decoding: data, as: UTF8.self), separator: separator, source: path)
    }

    /// Parses text rows; `separator` nil splits on whitespace.
    public static func parseText(_ text: String, separator: Character?, source: String) throws -> InputMatrix {
        var values: [Double] = []
        var columns = -1
        var rows = 0
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields: [Substring]
            if let separator {
                fields = trimmed.split(separator: separator, omittingEmptySubsequences: false)
                    .map { Substring($0.trimmingCharacters(in: .whitespaces)) }
            } else {
                fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
            }
            var parsed: [Double] = []
            parsed.reserveCapacity(fields.count)
            var bad: Substring?
            for field in fields {
                if let value = Double(field) { parsed.append(value) } else { bad = field; break }
            }
            if let bad {
                if rows == 0 && columns == -1 && separator != nil { columns = -2; continue } // a CSV header line
                throw UserError("'\(bad)' is not a number", at: "\(source):\(number + 1)", expected: "numeric features only")
            }
            if columns < 0 {
                columns = parsed.count
            } else if parsed.count != columns {
                throw UserError("row has \(parsed.count) values, earlier rows have \(columns)", at: "\(source):\(number + 1)",
                                expected: "the same number of features on every row")
            }
            values.append(contentsOf: parsed)
            rows += 1
        }
        guard rows > 0 else { throw UserError("no data rows", at: source, expected: "at least one row of features") }
        return InputMatrix(rows: rows, columns: columns, values: values)
    }
}
