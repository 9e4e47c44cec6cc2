import Foundation
import Support

/// CSV with a header row: feature columns found by name (any order, extra columns ignored) and a class
/// column holding a label string ("g") or an integer class index ("0").
public enum CSVReader {
    public static func load(path: String, options: DatasetLoadOptions) throws -> LoadedDataset {
        let text = TextBuffer(try DatasetLoader.readBytes(path))
        var fields: [TextBuffer.Field] = []
        var header: [String]? = nil
        var featureColumns: [Int] = []
        var classColumn = -1
        let matcher = LabelMatcher(classNames: options.classNames, allowIntegers: true)
        let width = options.featureNames.count
        var collector = RowCollector(width: width, expectedRows: text.count / 150)
        var headerError: UserError? = nil

        text.forEachLine { lineNumber, start, end in
            if text.skipSpaces(start, end) == end { return true }  // blank line
            if header == nil {
                guard text.split(start, end, separator: 0x2C, singleQuotes: false, into: &fields) else {
                    headerError = UserError("unterminated quote in the CSV header", at: "\(path):\(lineNumber)")
                    return false
                }
                var names = fields.map { text.unescaped($0) }
                if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
                header = names
                for feature in options.featureNames {
                    guard let index = names.firstIndex(of: feature) else {
                        let hint = nearestName(to: feature, in: names).map { "a header column named '\(feature)' (closest: '\($0)')" }
                        headerError = UserError("feature '\(feature)' is missing from the CSV header", at: "\(path):\(lineNumber)", expected: hint)
                        return false
                    }
                    featureColumns.append(index)
                }
                guard let labelIndex = names.firstIndex(of: options.classColumn) else {
                    headerError = UserError("class column '\(options.classColumn)' is missing from the CSV header",
                                            at: "\(path):\(lineNumber)", expected: "a column named '\(options.classColumn)' with labels \(matcher.encoder.classes.joined(separator: ",")) or class indices")
                    return false
                }
                classColumn = labelIndex
                return true
            }
            let columnCount = header!.count
            guard text.split(start, end, separator: 0x2C, singleQuotes: false, into: &fields) else {
                collector.report.add("line \(lineNumber)", "unterminated quote")
                return true
            }
            guard fields.count == columnCount else {
                collector.report.add("line \(lineNumber)", "\(fields.count) columns, header has \(columnCount)")
                return true
            }
            for (j, column) in featureColumns.enumerated() {
                guard let value = text.number(fields[column]) else {
                    collector.report.add("line \(lineNumber)", "column '\(header![column])' is not a number ('\(text.string(fields[column].start, fields[column].end))')")
                    return true
                }
                guard value.isFinite else {
                    collector.report.add("line \(lineNumber)", "column '\(header![column])' is \(value.isNaN ? "NaN" : "infinite")")
                    return true
                }
                collector.scratch[j] = value
            }
            guard let label = matcher.index(fields[classColumn], in: text) else {
                collector.report.add("line \(lineNumber)", "unknown label '\(text.string(fields[classColumn].start, fields[classColumn].end))'")
                return true
            }
            collector.features.append(contentsOf: collector.scratch)
            collector.labels.append(Int32(label))
            return true
        }
        if let headerError { throw headerError }
        guard header != nil else { throw UserError("dataset file is empty (only blank lines)", at: path) }
        try DatasetLoader.refuseIfNeeded(collector.report, path: path, options: options)
        guard !collector.labels.isEmpty else {
            throw UserError("the CSV file has a header but no \(collector.report.count > 0 ? "good " : "")data rows", at: path)
        }
        let dataset = JetDataset(featureNames: options.featureNames, classNames: matcher.encoder.classes,
                                 features: collector.features, labels: collector.labels)
        return LoadedDataset(dataset: dataset, droppedRows: collector.report)
    }

    /// Writes `dataset` as CSV: a header of feature names plus `class`, label strings, shortest round-trip numbers.
    public static func serialize(_ dataset: JetDataset, classColumn: String = "class") -> Data {
        var out = (dataset.featureNames + [classColumn]).joined(separator: ",") + "\n"
        out.reserveCapacity(dataset.rows * dataset.featureCount * 10)
        for r in 0..<dataset.rows {
            for c in 0..<dataset.featureCount {
                out += formatNumber(dataset.value(row: r, column: c))
                out += ","
            }
            out += dataset.classNames[Int(dataset.labels[r])]
            out += "\n"
        }
        return Data(out.utf8)
    }

    public static func write(_ dataset: JetDataset, to path: String) throws {
        try AtomicFile.write(serialize(dataset), to: URL(fileURLWithPath: path))
    }

    /// Shortest text that reads back to the same Double; integers without ".0" noise kept as "75.0"-free "75".
    static func formatNumber(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
