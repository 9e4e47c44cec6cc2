import Foundation
import Yams

/// A YAML value together with where it came from (file, line, key path), so that every validation
/// error can say "pipelines/jets.yml:14 (training.epochs): expected a positive integer".
///
/// Readers call `keys(allowed:)` on each mapping so a misspelt key is reported with the nearest
/// valid spelling instead of being silently ignored.
public struct YAMLNode: @unchecked Sendable {
    public let node: Node
    public let file: String
    /// Dotted key path from the document root, e.g. `hls.HLSConfig.Model`.
    public let path: String

    public init(node: Node, file: String, path: String = "") {
        self.node = node
        self.file = file
        self.path = path
    }

    /// Parses a whole YAML file. An empty document becomes an empty mapping.
    public static func load(file: String) throws -> YAMLNode {
        guard FileManager.default.fileExists(atPath: file) else {
            throw UserError("file not found", at: file, expected: "an existing YAML file")
        }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw UserError("cannot read file as UTF-8 text", at: file)
        }
        return try parse(text, file: file)
    }

    public static func parse(_ text: String, file: String) throws -> YAMLNode {
        do {
            let node = try Yams.compose(yaml: text) ?? Node.mapping(Node.Mapping([]))
            return YAMLNode(node: node, file: file)
        } catch let error as YamlError {
            throw UserError("invalid YAML (\(String(describing: error).split(separator: "\n").first ?? ""))", at: file)
        } catch {
            throw UserError("invalid YAML (\(error))", at: file)
        }
    }

    /// `file:line (path)` for messages.
    public var location: String {
        var text = file
        if let mark = node.mark { text += ":\(mark.line)" }
        if !path.isEmpty { text += " (\(path))" }
        return text
    }

    public func error(_ what: String, expected: String? = nil) -> UserError {
        UserError(what, at: location, expected: expected)
    }

    public var isNull: Bool {
        if case .scalar(let scalar) = node { return scalar.string == "~" || scalar.string == "null" || (scalar.string.isEmpty && scalar.style == .plain) }
        return false
    }

    // MARK: Mappings

    /// The key/value pairs of a mapping, in file order.
    public func entries() throws -> [(key: String, value: YAMLNode)] {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping of keys", expected: "`key: value` lines")
        }
        return mapping.map { pair in
            let key = pair.key.string ?? "\(pair.key)"
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            return (key, YAMLNode(node: pair.value, file: file, path: childPath))
        }
    }

    /// Fails on the first key not in `allowed`, naming the nearest valid key and its line.
    @discardableResult
    public func keys(allowed: [String]) throws -> [String] {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping of keys", expected: "keys among \(allowed.joined(separator: ", "))")
        }
        var seen: [String] = []
        for pair in mapping {
            let key = pair.key.string ?? "\(pair.key)"
            if !allowed.contains(key) {
                var where_ = file
                if let mark = pair.key.mark { where_ += ":\(mark.line)" }
                if !path.isEmpty { where_ += " (\(path))" }
                let hint = nearestName(to: key, in: allowed).map { "'\($0)'" } ?? "one of \(allowed.joined(separator: ", "))"
                throw UserError("unknown key '\(key)'", at: where_, expected: hint)
            }
            seen.append(key)
        }
        return seen
    }

    public func has(_ key: String) -> Bool {
        guard case .mapping(let mapping) = node else { return false }
        return mapping.contains { $0.key.string == key }
    }

    public func child(_ key: String) -> YAMLNode? {
        guard case .mapping(let mapping) = node else { return nil }
        guard let pair = mapping.first(where: { $0.key.string == key }) else { return nil }
        let value = YAMLNode(node: pair.value, file: file, path: path.isEmpty ? key : "\(path).\(key)")
        return value.isNull ? nil : value
    }

    public func require(_ key: String) throws -> YAMLNode {
        guard let value = child(key) else { throw error("missing key '\(key)'") }
        return value
    }

    // MARK: Scalars

    public func string() throws -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a single value") }
        return scalar.string
    }

    public func int() throws -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string.replacingOccurrences(of: "_", with: "")) else {
            throw error("expected an integer, got \(describe())")
        }
        return value
    }

    public func double() throws -> Double {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string.replacingOccurrences(of: "_", with: "")) ?? node.float else {
            throw error("expected a number, got \(describe())")
        }
        return value
    }

    public func bool() throws -> Bool {
        guard let value = node.bool else { throw error("expected true or false, got \(describe())") }
        return value
    }

    public func array() throws -> [YAMLNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list, got \(describe())") }
        return sequence.enumerated().map { YAMLNode(node: $0.element, file: file, path: "\(path)[\($0.offset)]") }
    }

    /// A choice among fixed words, reported with the nearest valid word when misspelt.
    public func choice(_ allowed: [String]) throws -> String {
        let value = try string()
        guard allowed.contains(value) else {
            let hint = nearestName(to: value, in: allowed).map { "'\($0)' (one of \(allowed.joined(separator: ", ")))" }
            throw error("unknown value '\(value)'", expected: hint)
        }
        return value
    }

    func describe() -> String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        @unknown default: return "an unexpected node"
        }
    }

    // Convenience: optional typed children.
    public func string(_ key: String) throws -> String? { try child(key)?.string() }
    public func int(_ key: String) throws -> Int? { try child(key)?.int() }
    public func double(_ key: String) throws -> Double? { try child(key)?.double() }
    public func bool(_ key: String) throws -> Bool? { try child(key)?.bool() }
}
