import Foundation
import FixedPoint
import Support
import Yams

/// hls4ml's conversion configuration (facts §4), parsed strictly: every key hls4ml documents is
/// accepted with its meaning, an unknown key is a `UserError` naming the key, the nearest valid
/// key and the file:line it came from.
///
/// Read it from YAML (`HLSConfig.load(path:)`, `parse(yaml:source:)`), from a YAML node embedded in
/// a larger file (`parse(node:source:)`, keeps that file's line numbers) or from a dictionary
/// (`parse(dictionary:source:)`, e.g. built in code).
public struct HLSConfig: Sendable, Equatable {
    public var backend: HardwareTarget.Backend = .vivado
    public var part: String = "xcvu13p-flga2577-2-e"
    public var clockPeriod: Double = 5
    /// nil = backend default (`12.5%` Vivado, `27%` Vitis).
    public var clockUncertainty: String?
    public var ioType: IOType = .parallel
    public var projectName: String = "myproject"
    public var outputDir: String = "my-hls-test"
    public var version: String = "1.0.0"
    /// Top-level `TraceOutput` (hls4ml reads this one; `Model.TraceOutput` is written but unused).
    public var traceOutput: Bool = false
    public var writer = WriterConfig()
    public var inputData: String?
    public var outputPredictions: String?
    public var kerasJson: String?
    public var kerasH5: String?
    public var kerasModel: String?

    /// `HLSConfig.Model` (defaults: Precision fixed<16,6>, ReuseFactor 1, Strategy Latency).
    public var model = LayerSettings(precision: PrecisionSettings(default: .fixed(.fixed(16, 6))), reuseFactor: 1,
                                     strategy: .latency)
    /// `HLSConfig.LayerType.<class name>`.
    public var layerType: [String: LayerSettings] = [:]
    /// `HLSConfig.LayerName.<layer name>`.
    public var layerName: [String: LayerSettings] = [:]

    /// Where the config came from (file path), for messages.
    public var source: String?
    /// Things hls4ml would accept silently but that have no effect (e.g. table types inside a
    /// Precision dict, facts §3.6.5); shown to the user.
    public var warnings: [String] = []

    public init() {}

    /// The hardware target these keys describe.
    public var target: HardwareTarget {
        HardwareTarget(backend: backend, part: part, clockPeriod: clockPeriod, clockUncertainty: clockUncertainty, ioType: ioType)
    }

    /// `WriterConfig`.
    public struct WriterConfig: Sendable, Equatable {
        public var namespace: String?
        public var writeWeightsTxt = true
        public var writeTar = false
        public var tbOutputStream = "both"
        public var writeEmulationConstants = false
        public init() {}
    }
}

/// A `Precision` entry: a plain string (the default for every variable) or a dict with `default`,
/// `maximum` and per-variable types (`weight`, `bias`, `result`, `accum`, `scale`, ...).
public struct PrecisionSettings: Sendable, Equatable {
    public var `default`: Precision?
    /// Caps the widths of inferred ("auto") types (Model level only in hls4ml).
    public var maximum: Precision?
    public var variables: [String: Precision]

    public init(default: Precision? = nil, maximum: Precision? = nil, variables: [String: Precision] = [:]) {
        self.default = `default`
        self.maximum = maximum
        self.variables = variables
    }
}

/// The keys of `Model`, `LayerType.<class>` and `LayerName.<layer>` blocks. nil = not given here.
public struct LayerSettings: Sendable, Equatable {
    public var precision: PrecisionSettings?
    public var reuseFactor: Int?
    public var strategy: Strategy?
    public var trace: Bool?
    public var tableSize: Int?
    public var implementation: SoftmaxImplementation?
    public var skip: Bool?
    public var bramFactor: Int?
    public var traceOutput: Bool?
    public var pipelineStyle: String?
    /// Direct type keys such as `exp_table_t`, `inv_table_t`, `table_t`, `accum_t` (name without `_t`).
    public var namedTypes: [String: Precision]
    /// file:line of the block, for later errors (e.g. an invalid ReuseFactor).
    public var location: String?
    /// file:line of the ReuseFactor key.
    public var reuseFactorLocation: String?

    public init(precision: PrecisionSettings? = nil, reuseFactor: Int? = nil, strategy: Strategy? = nil, trace: Bool? = nil,
                tableSize: Int? = nil, implementation: SoftmaxImplementation? = nil, skip: Bool? = nil, bramFactor: Int? = nil,
                traceOutput: Bool? = nil, pipelineStyle: String? = nil, namedTypes: [String: Precision] = [:],
                location: String? = nil, reuseFactorLocation: String? = nil) {
        self.precision = precision
        self.reuseFactor = reuseFactor
        self.strategy = strategy
        self.trace = trace
        self.tableSize = tableSize
        self.implementation = implementation
        self.skip = skip
        self.bramFactor = bramFactor
        self.traceOutput = traceOutput
        self.pipelineStyle = pipelineStyle
        self.namedTypes = namedTypes
        self.location = location
        self.reuseFactorLocation = reuseFactorLocation
    }
}

// MARK: - Lookup (facts §4.3)

/// A precision together with the C++ type name hls4ml would give it and where it was found.
public struct ResolvedPrecision: Sendable, Equatable {
    public enum Source: Sendable, Equatable { case layerName, layerType, model }
    public var precision: Precision
    /// `<layer>_<var>_t`, `<Class>_<var>_t`, `<var>_default_t` or `model_default_t`.
    public var typeName: String
    public var source: Source
}

extension HLSConfig {
    /// Precision of `variable` (`result`, `weight`, `bias`, `accum`, `scale`, ...) for a layer named
    /// `layer` whose hls4ml/Keras class names are `types` (most specific first). Order exactly as
    /// hls4ml's `get_precision`: LayerName[v] → LayerName default → LayerType[v] → LayerType
    /// default → Model[v] → Model default.
    public func precision(_ variable: String, layer: String, types: [String]) -> ResolvedPrecision {
        if let settings = layerName[layer]?.precision {
            if let value = settings.variables[variable] {
                return ResolvedPrecision(precision: value, typeName: "\(layer)_\(variable)_t", source: .layerName)
            }
            if let value = settings.default {
                return ResolvedPrecision(precision: value, typeName: "\(layer)_\(variable)_t", source: .layerName)
            }
        }
        if let (type, settings) = layerTypeSettings(types), let precision = settings.precision {
            if let value = precision.variables[variable] {
                return ResolvedPrecision(precision: value, typeName: "\(type)_\(variable)_t", source: .layerType)
            }
            if let value = precision.default {
                return ResolvedPrecision(precision: value, typeName: "\(type)_\(variable)_t", source: .layerType)
            }
        }
        if let value = model.precision?.variables[variable] {
            return ResolvedPrecision(precision: value, typeName: "\(variable)_default_t", source: .model)
        }
        return ResolvedPrecision(precision: model.precision?.default ?? .fixed(.fixed(16, 6)), typeName: "model_default_t",
                                 source: .model)
    }

    /// True when `variable` is set explicitly (not via a default) for this layer by name or type.
    public func hasExplicitPrecision(_ variable: String, layer: String, types: [String]) -> Bool {
        if layerName[layer]?.precision?.variables[variable] != nil { return true }
        if let (_, settings) = layerTypeSettings(types), settings.precision?.variables[variable] != nil { return true }
        return false
    }

    /// `Model.Precision.maximum`: caps inferred widths.
    public var maximumPrecision: Precision? { model.precision?.maximum }

    private func layerTypeSettings(_ types: [String]) -> (String, LayerSettings)? {
        for type in types { if let settings = layerType[type] { return (type, settings) } }
        return nil
    }

    /// A setting looked up LayerName → LayerType → Model (ReuseFactor, Strategy, Trace, TableSize, ...).
    public func setting<T>(_ key: KeyPath<LayerSettings, T?>, layer: String, types: [String]) -> T? {
        if let value = layerName[layer]?[keyPath: key] { return value }
        if let (_, settings) = layerTypeSettings(types), let value = settings[keyPath: key] { return value }
        return model[keyPath: key]
    }

    public func reuseFactor(layer: String, types: [String]) -> Int { setting(\.reuseFactor, layer: layer, types: types) ?? 1 }

    public func strategy(layer: String, types: [String]) -> Strategy { setting(\.strategy, layer: layer, types: types) ?? .latency }

    /// Where the ReuseFactor in effect for a layer was written (file:line), for error messages.
    public func reuseFactorLocation(layer: String, types: [String]) -> String? {
        if let settings = layerName[layer], settings.reuseFactor != nil { return settings.reuseFactorLocation ?? settings.location }
        if let (_, settings) = layerTypeSettings(types), settings.reuseFactor != nil {
            return settings.reuseFactorLocation ?? settings.location
        }
        return model.reuseFactorLocation ?? model.location ?? source
    }

    /// A direct `<name>_t` key (`exp_table_t`, `inv_table_t`, `table_t`, ...) for a layer.
    public func namedType(_ name: String, layer: String, types: [String]) -> Precision? {
        if let value = layerName[layer]?.namedTypes[name] { return value }
        if let (_, settings) = layerTypeSettings(types), let value = settings.namedTypes[name] { return value }
        return model.namedTypes[name]
    }

    /// Resolves a path from the config (KerasJson, KerasH5, InputData, ...): as given when it exists
    /// (absolute or relative to the working directory), else relative to the config file's folder
    /// or its parent.
    public func resolvePath(_ path: String) -> String {
        if path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) { return path }
        guard let source else { return path }
        let folder = (source as NSString).deletingLastPathComponent
        for base in [folder, (folder as NSString).deletingLastPathComponent] {
            let candidate = (base as NSString).appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return path
    }
}

// MARK: - Parsing

/// A config tree node with its location, built from YAML (with line numbers) or a dictionary.
struct ConfigNode {
    enum Kind {
        case scalar(String)
        case mapping([(key: String, keyLocation: String, value: ConfigNode)])
        case sequence([ConfigNode])
        case null
    }
    var kind: Kind
    var location: String

    init(kind: Kind, location: String) {
        self.kind = kind
        self.location = location
    }

    init(yaml node: Node, source: String) {
        func at(_ mark: Mark?) -> String { mark.map { "\(source):\($0.line)" } ?? source }
        switch node {
        case .scalar(let scalar):
            let isNull = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
            self.init(kind: isNull ? .null : .scalar(scalar.string), location: at(node.mark))
        case .mapping(let mapping):
            self.init(kind: .mapping(mapping.map { pair in
                (key: pair.key.string ?? "\(pair.key)", keyLocation: at(pair.key.mark), value: ConfigNode(yaml: pair.value, source: source))
            }), location: at(node.mark))
        case .sequence(let sequence):
            self.init(kind: .sequence(sequence.map { ConfigNode(yaml: $0, source: source) }), location: at(node.mark))
        }
    }

    init(any value: Any?, location: String) {
        switch value {
        case nil, is NSNull: self.init(kind: .null, location: location)
        case let dictionary as [String: Any]:
            let pairs = dictionary.keys.sorted().map { key in
                (key: key, keyLocation: "\(location) (\(key))", value: ConfigNode(any: dictionary[key]!, location: "\(location) (\(key))"))
            }
            self.init(kind: .mapping(pairs), location: location)
        case let array as [Any]:
            self.init(kind: .sequence(array.map { ConfigNode(any: $0, location: location) }), location: location)
        case let bool as Bool: self.init(kind: .scalar(bool ? "true" : "false"), location: location)
        case let value as CustomStringConvertible: self.init(kind: .scalar(value.description), location: location)
        default: self.init(kind: .scalar("\(value!)"), location: location)
        }
    }
}

extension HLSConfig {
    /// Top-level keys hls4ml accepts (plus the ones it writes into `hls4ml_config.yml`).
    public static let topLevelKeys = ["Backend", "Part", "XilinxPart", "ClockPeriod", "ClockUncertainty", "IOType", "ProjectName",
                                      "OutputDir", "HLSConfig", "WriterConfig", "InputData", "OutputPredictions", "KerasJson",
                                      "KerasH5", "KerasModel", "Version", "Stamp", "TraceOutput", "InputShapes", "OutputShapes"]
    public static let hlsConfigKeys = ["Model", "LayerType", "LayerName"]
    /// Keys of Model / LayerType / LayerName blocks (PascalCase; snake_case spellings are accepted too,
    /// as hls4ml converts one to the other). Keys ending in `_t` are direct type names.
    public static let layerKeys = ["Precision", "ReuseFactor", "Strategy", "Trace", "TableSize", "Implementation", "Skip",
                                   "BramFactor", "TraceOutput", "PipelineStyle"]
    public static let precisionKeys = ["default", "maximum", "result", "weight", "bias", "accum", "scale", "table",
                                       "exp_table", "inv_table", "inv_inp", "inp_norm"]
    public static let writerKeys = ["Namespace", "WriteWeightsTxt", "WriteTar", "TBOutputStream", "WriteEmulationConstants"]

    /// Reads a YAML config file.
    public static func load(path: String) throws -> HLSConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            throw UserError("config file not found", at: path, expected: "an hls4ml YAML config")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read file", at: path) }
        return try parse(yaml: String(decoding: data, as: UTF8.self), source: path)
    }

    /// Parses YAML text; `source` names it in messages (file path).
    public static func parse(yaml: String, source: String) throws -> HLSConfig {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw UserError("malformed YAML (\(error))", at: source, expected: "an hls4ml YAML config")
        } catch {
            throw UserError("malformed YAML (\(error))", at: source)
        }
        guard let node else { return HLSConfig.withSource(source) }
        return try parse(node: node, source: source)
    }

    /// Parses a YAML mapping node (e.g. the `hls:` block of a pipeline file; line numbers are kept).
    public static func parse(node: Node, source: String) throws -> HLSConfig {
        try parse(ConfigNode(yaml: node, source: source), source: source)
    }

    /// Parses a dictionary with the same keys (values: String, Int, Double, Bool, nested dictionaries).
    public static func parse(dictionary: [String: Any], source: String = "config") throws -> HLSConfig {
        try parse(ConfigNode(any: dictionary, location: source), source: source)
    }

    private static func withSource(_ source: String) -> HLSConfig {
        var config = HLSConfig()
        config.source = source
        return config
    }

    static func parse(_ root: ConfigNode, source: String) throws -> HLSConfig {
        var config = withSource(source)
        if case .null = root.kind { return config }
        for (key, keyLocation, value) in try mapping(root, what: "the config") {
            switch try canonical(key, in: topLevelKeys, at: keyLocation, block: "top level") {
            case "Backend":
                let text = try string(value)
                guard let backend = HardwareTarget.Backend.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
                    throw UserError("unsupported Backend '\(text)'", at: value.location, expected: "Vivado or Vitis")
                }
                config.backend = backend
            case "Part", "XilinxPart": config.part = try string(value)
            case "ClockPeriod":
                let period = try number(value)
                guard period > 0 else { throw UserError("ClockPeriod must be positive", at: value.location, expected: "a period in ns, e.g. 5") }
                config.clockPeriod = period
            case "ClockUncertainty": config.clockUncertainty = try string(value)
            case "IOType":
                let text = try string(value)
                guard let io = IOType(rawValue: text.lowercased()) else {
                    throw UserError("unknown IOType '\(text)'", at: value.location, expected: "io_parallel or io_stream")
                }
                config.ioType = io
            case "ProjectName":
                let name = try string(value)
                guard let first = name.first, first.isLetter || first == "_",
                      name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                    throw UserError("ProjectName '\(name)' is not a C identifier", at: value.location,
                                    expected: "letters, digits and underscores, not starting with a digit")
                }
                config.projectName = name
            case "OutputDir": config.outputDir = try string(value)
            case "Version": config.version = try string(value)
            case "TraceOutput": config.traceOutput = try bool(value)
            case "InputData": config.inputData = try optionalString(value)
            case "OutputPredictions": config.outputPredictions = try optionalString(value)
            case "KerasJson": config.kerasJson = try optionalString(value)
            case "KerasH5": config.kerasH5 = try optionalString(value)
            case "KerasModel": config.kerasModel = try optionalString(value)
            case "Stamp", "InputShapes", "OutputShapes": break  // written by hls4ml, informational
            case "WriterConfig": config.writer = try parseWriter(value)
            case "HLSConfig": try parseHLSConfig(value, into: &config)
            default: break
            }
        }
        return config
    }

    private static func parseWriter(_ node: ConfigNode) throws -> WriterConfig {
        var writer = WriterConfig()
        if case .null = node.kind { return writer }
        for (key, keyLocation, value) in try mapping(node, what: "WriterConfig") {
            switch try canonical(key, in: writerKeys, at: keyLocation, block: "WriterConfig") {
            case "Namespace": writer.namespace = try optionalString(value)
            case "WriteWeightsTxt": writer.writeWeightsTxt = try bool(value)
            case "WriteTar": writer.writeTar = try bool(value)
            case "TBOutputStream":
                let text = try string(value)
                guard ["both", "io_parallel", "io_stream"].contains(text) else {
                    throw UserError("unknown TBOutputStream '\(text)'", at: value.location, expected: "both, io_parallel or io_stream")
                }
                writer.tbOutputStream = text
            case "WriteEmulationConstants": writer.writeEmulationConstants = try bool(value)
            default: break
            }
        }
        return writer
    }

    private static func parseHLSConfig(_ node: ConfigNode, into config: inout HLSConfig) throws {
        if case .null = node.kind { return }
        for (key, keyLocation, value) in try mapping(node, what: "HLSConfig") {
            switch try canonical(key, in: hlsConfigKeys, at: keyLocation, block: "HLSConfig") {
            case "Model":
                let parsed = try parseLayer(value, block: "HLSConfig.Model", warnings: &config.warnings)
                // Keys not given in Model keep hls4ml's defaults.
                var model = config.model
                if let precision = parsed.precision {
                    var merged = precision
                    if merged.default == nil { merged.default = model.precision?.default }
                    model.precision = merged
                }
                model.reuseFactor = parsed.reuseFactor ?? model.reuseFactor
                model.strategy = parsed.strategy ?? model.strategy
                model.trace = parsed.trace
                model.tableSize = parsed.tableSize
                model.implementation = parsed.implementation
                model.skip = parsed.skip
                model.bramFactor = parsed.bramFactor
                model.traceOutput = parsed.traceOutput
                model.pipelineStyle = parsed.pipelineStyle
                model.namedTypes = parsed.namedTypes
                model.location = parsed.location
                model.reuseFactorLocation = parsed.reuseFactorLocation
                config.model = model
            case "LayerType", "LayerName":
                if case .null = value.kind { continue }
                for (name, _, block) in try mapping(value, what: "HLSConfig.\(key)") {
                    let parsed = try parseLayer(block, block: "HLSConfig.\(key).\(name)", warnings: &config.warnings)
                    if key == "LayerType" { config.layerType[name] = parsed } else { config.layerName[name] = parsed }
                }
            default: break
            }
        }
    }

    /// PascalCase → snake_case as hls4ml converts attribute names (`ReuseFactor` → `reuse_factor`).
    static func snakeCase(_ text: String) -> String {
        var result = ""
        var previous: Character?
        for character in text {
            if character.isUppercase, let previous, previous.isLowercase || previous.isNumber { result += "_" }
            result += character.lowercased()
            previous = character
        }
        return result
    }

    private static func parseLayer(_ node: ConfigNode, block: String, warnings: inout [String]) throws -> LayerSettings {
        var settings = LayerSettings(location: node.location)
        if case .null = node.kind { return settings }
        for (key, keyLocation, value) in try mapping(node, what: block) {
            if key.hasSuffix("_t") && key.count > 2 {
                if case .null = value.kind { continue }
                settings.namedTypes[String(key.dropLast(2))] = try Precision.parse(try string(value), location: value.location)
                continue
            }
            let canonicalKey = try canonical(key, in: layerKeys, at: keyLocation, block: block, allowSnakeCase: true)
            if case .null = value.kind { continue }  // `Key:` / `Key: null` leaves the default
            switch canonicalKey {
            case "Precision": settings.precision = try parsePrecision(value, block: block, warnings: &warnings)
            case "ReuseFactor":
                let reuse = try integer(value)
                guard reuse >= 1 else {
                    throw UserError("ReuseFactor \(reuse) in \(block) must be at least 1", at: value.location, expected: "an integer ≥ 1")
                }
                settings.reuseFactor = reuse
                settings.reuseFactorLocation = keyLocation
            case "Strategy":
                let text = try string(value)
                switch text.lowercased() {
                case "latency": settings.strategy = .latency
                case "resource": settings.strategy = .resource
                default:
                    let hint = ["unrolled", "resource_unrolled", "distributed_arithmetic", "da"].contains(text.lowercased())
                        ? " (hls4ml has it, hls4swift does not implement it)" : ""
                    throw UserError("unsupported Strategy '\(text)' in \(block)\(hint)", at: value.location, expected: "Latency or Resource")
                }
            case "Trace": settings.trace = try bool(value)
            case "TableSize":
                let size = try integer(value)
                guard size >= 2 else { throw UserError("TableSize \(size) too small", at: value.location, expected: "e.g. 1024") }
                settings.tableSize = size
            case "Implementation":
                let text = try string(value)
                guard let implementation = SoftmaxImplementation(rawValue: text.lowercased()) else {
                    throw UserError("unknown softmax Implementation '\(text)' in \(block)", at: value.location,
                                    expected: SoftmaxImplementation.allCases.map(\.rawValue).joined(separator: ", "))
                }
                settings.implementation = implementation
            case "Skip": settings.skip = try bool(value)
            case "BramFactor": settings.bramFactor = try integer(value)
            case "TraceOutput": settings.traceOutput = try bool(value)
            case "PipelineStyle":
                let text = try string(value).lowercased()
                guard ["auto", "pipeline", "dataflow"].contains(text) else {
                    throw UserError("unknown PipelineStyle '\(text)'", at: value.location, expected: "auto, pipeline or dataflow")
                }
                settings.pipelineStyle = text
            default: break
            }
        }
        return settings
    }

    private static func parsePrecision(_ node: ConfigNode, block: String, warnings: inout [String]) throws -> PrecisionSettings {
        if case .scalar(let text) = node.kind {
            return PrecisionSettings(default: try Precision.parse(text, location: node.location))
        }
        var settings = PrecisionSettings()
        for (key, keyLocation, value) in try mapping(node, what: "\(block).Precision") {
            let name = try canonical(key, in: precisionKeys, at: keyLocation, block: "\(block).Precision")
            let precision = try Precision.parse(try string(value), location: value.location)
            switch name {
            case "default": settings.default = precision
            case "maximum": settings.maximum = precision
            case "table", "exp_table", "inv_table", "inv_inp", "inp_norm":
                // hls4ml ignores these inside Precision (facts §3.6.5); so do we, to stay bit-exact with it.
                warnings.append("\(keyLocation): Precision.\(name) has no effect in hls4ml; set '\(name)_t: \(precision)' "
                                + "directly in the layer block instead")
            default: settings.variables[name] = precision
            }
        }
        return settings
    }

    // MARK: Scalars and errors

    private static func canonical(_ key: String, in valid: [String], at location: String, block: String,
                                  allowSnakeCase: Bool = false) throws -> String {
        if valid.contains(key) { return key }
        if allowSnakeCase, let match = valid.first(where: { snakeCase($0) == snakeCase(key) }) { return match }
        let near = nearestName(to: key, in: valid) ?? valid[0]
        throw UserError("unknown key '\(key)' in \(block)", at: location,
                        expected: "'\(near)' (valid keys: \(valid.joined(separator: ", ")))")
    }

    private static func mapping(_ node: ConfigNode, what: String) throws -> [(key: String, keyLocation: String, value: ConfigNode)] {
        guard case .mapping(let pairs) = node.kind else {
            throw UserError("\(what) must be a mapping of keys to values", at: node.location)
        }
        return pairs
    }

    private static func string(_ node: ConfigNode) throws -> String {
        if case .null = node.kind { throw UserError("missing value", at: node.location, expected: "a value after the key") }
        guard case .scalar(let text) = node.kind else {
            throw UserError("expected a single value", at: node.location, expected: "a string or number, not a list or mapping")
        }
        return text
    }

    private static func optionalString(_ node: ConfigNode) throws -> String? {
        if case .null = node.kind { return nil }
        return try string(node)
    }

    private static func integer(_ node: ConfigNode) throws -> Int {
        let text = try string(node)
        guard let value = Int(text) ?? Double(text).flatMap({ $0.rounded() == $0 ? Int(exactly: $0) : nil }) else {
            throw UserError("'\(text)' is not an integer", at: node.location, expected: "an integer")
        }
        return value
    }

    private static func number(_ node: ConfigNode) throws -> Double {
        let text = try string(node)
        guard let value = Double(text) else { throw UserError("'\(text)' is not a number", at: node.location, expected: "a number") }
        return value
    }

    private static func bool(_ node: ConfigNode) throws -> Bool {
        let text = try string(node)
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw UserError("'\(text)' is not a boolean", at: node.location, expected: "true or false")
        }
    }
}

extension HLSConfig {
    /// Parses the `hls:` block of a pipeline file (keeps that file's line numbers).
    public static func parse(_ yaml: YAMLNode) throws -> HLSConfig {
        var config = try parse(node: yaml.node, source: yaml.file)
        config.source = yaml.file
        return config
    }
}
