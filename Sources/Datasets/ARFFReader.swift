import Foundation
import Support

/// Weka ARFF, as OpenML serves dataset 42468: `@relation`, `@attribute <name> NUMERIC|REAL|INTEGER|{nominal,...}`,
/// `@data`, dense comma-separated rows; `%` comments; names and values may be quoted; `?` is a missing value
/// (treated as a bad row because the model needs every feature).
public enum ARFFReader {
    /// One declared attribute.
    public struct Attribute: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case numeric, nominal([String]), string, date, other(String) }
        public var name: String
        public var kind: Kind
    }

    public static func load(path: String, options: DatasetLoadOptions) throws -> LoadedDataset {
        let text = TextBuffer(try DatasetLoader.readBytes(path))
        var fields: [TextBuffer.Field] = []
        var attributes: [Attribute] = []
        var inData = false
        var sawRelation = false
        var failure: UserError? = nil
        var featureColumns: [Int] = []
        var classColumn = -1
        var matcher = LabelMatcher(classNames: options.classNames, allowIntegers: false)
        let missing: [UInt8] = [0x3F]  // "?"
        var collector = RowCollector(width: options.featureNames.count, expectedRows: text.count / 150)

        func prepareColumns(line: Int) -> UserError? {
            let names = attributes.map(\.name)
            for feature in options.featureNames {
                guard let index = names.firstIndex(of: feature) else {
                    let hint = nearestName(to: feature, in: names).map { "an @attribute named '\(feature)' (closest: '\($0)')" }
                    return UserError("feature '\(feature)' is missing from the ARFF attributes", at: "\(path):\(line)", expected: hint)
                }
                guard attributes[index].kind == .numeric else {
                    return UserError("feature '\(feature)' is not a numeric attribute", at: "\(path):\(line)", expected: "@attribute \(feature) NUMERIC")
                }
                featureColumns.append(index)
            }
            guard let labelIndex = names.firstIndex(of: options.classColumn) else {
                return UserError("class attribute '\(options.classColumn)' is missing from the ARFF header", at: "\(path):\(line)",
                                 expected: "@attribute \(options.classColumn) {\(options.classNames.sorted().joined(separator: ","))}")
            }
            switch attributes[labelIndex].kind {
            case .nominal, .string: break
            case .numeric: matcher = LabelMatcher(classNames: options.classNames, allowIntegers: true)
            default:
                return UserError("class attribute '\(options.classColumn)' has an unsupported type", at: "\(path):\(line)", expected: "a nominal attribute {g,q,t,w,z}")
            }
            classColumn = labelIndex
            return nil
        }

        text.forEachLine { lineNumber, start, end in
            let first = text.skipSpaces(start, end)
            if first == end || text.bytes[first] == 0x25 { return true }  // blank or % comment
            if !inData {
                guard text.bytes[first] == 0x40 else {  // '@'
                    failure = UserError("unexpected text before @data: '\(text.string(first, min(end, first + 40)))'", at: "\(path):\(lineNumber)",
                                        expected: "@relation, @attribute or @data lines (or % comments)")
                    return false
                }
                var keywordEnd = first
                while keywordEnd < end && !TextBuffer.isSpace(text.bytes[keywordEnd]) { keywordEnd += 1 }
                let keyword = text.string(first, keywordEnd).lowercased()
                switch keyword {
                case "@relation": sawRelation = true
                case "@attribute":
                    do { attributes.append(try parseAttribute(text, from: keywordEnd, to: end, location: "\(path):\(lineNumber)")) } catch {
                        failure = error as? UserError
                        return false
                    }
                case "@data":
                    inData = true
                    if attributes.isEmpty {
                        failure = UserError("@data before any @attribute", at: "\(path):\(lineNumber)")
                        return false
                    }
                    if let error = prepareColumns(line: lineNumber) { failure = error; return false }
                default:
                    failure = UserError("unknown ARFF declaration '\(keyword)'", at: "\(path):\(lineNumber)", expected: "@relation, @attribute or @data")
                    return false
                }
                return true
            }
            if text.bytes[first] == 0x7B {  // '{'
                failure = UserError("sparse ARFF rows ({index value, ...}) are not supported", at: "\(path):\(lineNumber)",
                                    expected: "dense comma-separated rows")
                return false
            }
            guard text.split(first, end, separator: 0x2C, singleQuotes: true, into: &fields) else {
                collector.report.add("line \(lineNumber)", "unterminated quote")
                return true
            }
            guard fields.count == attributes.count else {
                collector.report.add("line \(lineNumber)", "\(fields.count) values, \(attributes.count) attributes declared")
                return true
            }
            for (j, column) in featureColumns.enumerated() {
                let field = fields[column]
                if !field.quoted && text.equals(field, missing) {
                    collector.report.add("line \(lineNumber)", "missing value '?' for '\(attributes[column].name)'")
                    return true
                }
                guard let value = text.number(field) else {
                    collector.report.add("line \(lineNumber)", "'\(attributes[column].name)' is not a number ('\(text.string(field.start, field.end))')")
                    return true
                }
                guard value.isFinite else {
                    collector.report.add("line \(lineNumber)", "'\(attributes[column].name)' is \(value.isNaN ? "NaN" : "infinite")")
                    return true
                }
                collector.scratch[j] = value
            }
            guard let label = matcher.index(fields[classColumn], in: text) else {
                let raw = text.string(fields[classColumn].start, fields[classColumn].end)
                collector.report.add("line \(lineNumber)", raw == "?" ? "missing class '?'" : "unknown label '\(raw)'")
                return true
            }
            collector.features.append(contentsOf: collector.scratch)
            collector.labels.append(Int32(label))
            return true
        }
        if let failure { throw failure }
        if !inData {
            if attributes.isEmpty && !sawRelation { throw UserError("dataset file is empty (no ARFF header)", at: path) }
            throw UserError("no @data section in the ARFF file", at: path, expected: "an @data line followed by rows")
        }
        try DatasetLoader.refuseIfNeeded(collector.report, path: path, options: options)
        guard !collector.labels.isEmpty else { throw UserError("the ARFF file has no data rows", at: path) }
        let dataset = JetDataset(featureNames: options.featureNames, classNames: matcher.encoder.classes,
                                 features: collector.features, labels: collector.labels)
        return LoadedDataset(dataset: dataset, droppedRows: collector.report)
    }

    /// Parses "<name> <type>" after `@attribute`.
    static func parseAttribute(_ text: TextBuffer, from start: Int, to end: Int, location: String) throws -> Attribute {
        var i = text.skipSpaces(start, end)
        guard i < end else { throw UserError("@attribute without a name", at: location) }
        let name: String
        if text.bytes[i] == 0x27 || text.bytes[i] == 0x22 {
            let quote = text.bytes[i]
            var j = i + 1
            while j < end && text.bytes[j] != quote { if text.bytes[j] == 0x5C { j += 1 }; j += 1 }
            guard j < end else { throw UserError("unterminated quoted attribute name", at: location) }
            name = text.unescaped(TextBuffer.Field(start: i + 1, end: j, quoted: true))
            i = j + 1
        } else {
            var j = i
            while j < end && !TextBuffer.isSpace(text.bytes[j]) && text.bytes[j] != 0x7B { j += 1 }
            name = text.string(i, j)
            i = j
        }
        i = text.skipSpaces(i, end)
        guard i < end else { throw UserError("@attribute '\(name)' has no type", at: location, expected: "NUMERIC, REAL, INTEGER or {value,...}") }
        if text.bytes[i] == 0x7B {  // nominal
            guard let close = (i..<end).last(where: { text.bytes[$0] == 0x7D }) else {
                throw UserError("unterminated nominal value list for '\(name)'", at: location, expected: "{value,...}")
            }
            var fields: [TextBuffer.Field] = []
            guard text.split(i + 1, close, separator: 0x2C, singleQuotes: true, into: &fields) else {
                throw UserError("unterminated quote in the nominal values of '\(name)'", at: location)
            }
            return Attribute(name: name, kind: .nominal(fields.map { text.unescaped($0) }))
        }
        var j = i
        while j < end && !TextBuffer.isSpace(text.bytes[j]) { j += 1 }
        switch text.string(i, j).lowercased() {
        case "numeric", "real", "integer": return Attribute(name: name, kind: .numeric)
        case "string": return Attribute(name: name, kind: .string)
        case "date": return Attribute(name: name, kind: .date)
        case let other: return Attribute(name: name, kind: .other(other))
        }
    }

    /// Writes `dataset` as ARFF in OpenML's layout: NUMERIC features, then the nominal `class` attribute.
    public static func serialize(_ dataset: JetDataset, relation: String = "hls4ml_lhc_jets_hlf", classColumn: String = "class") -> Data {
        var out = "% Written by hls4swift\n@relation \(relation)\n\n"
        for name in dataset.featureNames { out += "@attribute \(name) NUMERIC\n" }
        out += "@attribute \(classColumn) {\(dataset.classNames.joined(separator: ","))}\n\n@data\n"
        for r in 0..<dataset.rows {
            for c in 0..<dataset.featureCount {
                out += CSVReader.formatNumber(dataset.value(row: r, column: c))
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
}
