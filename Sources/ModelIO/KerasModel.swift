import Foundation
import HDF5
import Support

/// One weight tensor of a Keras layer (float32 as Keras stores it, C order).
public struct KerasWeight: Sendable, Equatable {
    /// The name Keras stores in `weight_names`, e.g. `fc1/kernel:0`.
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// The tensor's role without layer prefix and `:0` suffix: `kernel`, `bias`, `gamma`, `moving_mean`, ...
    public var role: String { KerasWeight.role(of: name) }

    static func role(of name: String) -> String {
        var last = name.split(separator: "/").last.map(String.init) ?? name
        if let colon = last.lastIndex(of: ":"), Int(last[last.index(after: colon)...]) != nil {
            last = String(last[..<colon])
        }
        return last
    }
}

/// One Keras layer: its class, name, the config dict exactly as Keras wrote it, and its weights.
public struct KerasLayer: Sendable, Equatable {
    /// Keras class name: `InputLayer`, `Dense`, `QDense`, `Activation`, ...
    public var className: String
    public var name: String
    public var config: JSONValue
    /// Weights in `weight_names` order.
    public var weights: [KerasWeight]

    public init(className: String, name: String, config: JSONValue, weights: [KerasWeight] = []) {
        self.className = className
        self.name = name
        self.config = config
        self.weights = weights
    }

    /// The weight with the given role (`kernel`, `bias`, `gamma`, `beta`, `moving_mean`, `moving_variance`).
    public func weight(_ role: String) -> KerasWeight? { weights.first { $0.role == role } }
}

/// A Keras model as a neutral description: a chain of layers with configs and weights.
///
/// Read from an architecture JSON (Keras 2 `Sequential` or functional `Model` whose layers form a
/// chain) plus a weights HDF5 file, or from a single-file Keras `.h5` (`model_config` attribute and
/// `model_weights` group). Written back in the single-file layout so Keras and hls4ml load it.
public struct KerasModel: Sendable, Equatable {
    public var name: String
    /// Layers in evaluation order; the first is always the `InputLayer`.
    public var layers: [KerasLayer]
    public var kerasVersion: String
    public var backend: String

    public init(name: String, layers: [KerasLayer], kerasVersion: String = "2.4.0", backend: String = "tensorflow") {
        self.name = name
        self.layers = layers
        self.kerasVersion = kerasVersion
        self.backend = backend
    }

    /// Layer classes this converter understands.
    public static let supportedLayerTypes = ["InputLayer", "Dense", "Activation", "BatchNormalization", "Dropout",
                                             "QDense", "QActivation", "ReLU", "Softmax"]

    /// Classes whose weights are read from the HDF5 file.
    static let weightedLayerTypes: Set<String> = ["Dense", "QDense", "BatchNormalization"]

    /// The input layer's name (e.g. `fc1_input`, `input_1`).
    public var inputName: String { layers.first?.name ?? "input_1" }

    /// Number of input features (from the input layer's `batch_input_shape`).
    public var inputSize: Int { (try? KerasModel.inputShape(of: layers.first, source: "")) ?? 0 }

    // MARK: - Loading

    /// Loads a model: a `.json` architecture (then `weights` is required) or a single-file Keras `.h5`
    /// (then `weights`, if given, overrides the stored weights).
    public static func load(path: String, weights: String? = nil) throws -> KerasModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw UserError("file not found", at: path, expected: "a Keras model (.json architecture or .h5 file)")
        }
        if isDirectory.boolValue {
            throw UserError("is a directory (a TensorFlow SavedModel?), which is not supported", at: path,
                            expected: "a Keras .h5 file (model.save('model.h5')) or an architecture .json with --weights")
        }
        guard let head = FileHandle(forReadingAtPath: path)?.readData(ofLength: 8) else {
            throw UserError("cannot read file", at: path)
        }
        let bytes = [UInt8](head)
        if bytes.starts(with: [0x50, 0x4B]) {
            throw UserError("this is a Keras 3 `.keras` zip archive, which is not supported", at: path,
                            expected: "a Keras 2 style model: model.save('model.h5') or model.to_json() + save_weights('w.h5')")
        }
        let firstText = bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        if path.lowercased().hasSuffix(".json") || firstText == UInt8(ascii: "{") {
            guard let weights else {
                throw UserError("an architecture JSON needs its weights file", at: path,
                                expected: "--weights <weights.h5> (written by model.save_weights)")
            }
            return try load(json: path, weights: weights)
        }
        var model = try load(h5: path)
        if let weights {
            let file = try HDF5File.open(path: weights)
            let root = file.kind(of: "/model_weights") == .group ? "/model_weights" : "/"
            try attachWeights(to: &model.layers, file: file, root: root)
        }
        return model
    }

    /// Architecture JSON + weights HDF5 (`model.to_json()` + `model.save_weights('w.h5')`).
    public static func load(json: String, weights: String) throws -> KerasModel {
        var model = try loadArchitecture(json: json)
        let file = try HDF5File.open(path: weights)
        // A full-model .h5 passed as weights keeps them under `model_weights`.
        let root = file.kind(of: "/model_weights") == .group ? "/model_weights" : "/"
        try attachWeights(to: &model.layers, file: file, root: root)
        return model
    }

    /// Only the architecture (no weights) from a JSON file.
    public static func loadArchitecture(json path: String) throws -> KerasModel {
        guard FileManager.default.fileExists(atPath: path) else {
            throw UserError("file not found", at: path, expected: "a Keras architecture JSON (model.to_json())")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read file", at: path) }
        return try parseArchitecture(JSONValue.parse(String(decoding: data, as: UTF8.self), source: path), source: path)
    }

    /// A single-file Keras `.h5` (`model.save('m.h5')`).
    public static func load(h5 path: String) throws -> KerasModel {
        let file = try HDF5File.open(path: path)
        guard let config = try file.readStringAttribute("model_config") else {
            if try file.readAttribute("layer_names") != nil {
                throw UserError("this HDF5 file holds only weights (no 'model_config' attribute)", at: path,
                                expected: "the architecture JSON as the model and this file as --weights")
            }
            throw UserError("not a Keras model file (no 'model_config' attribute)", at: path,
                            expected: "a Keras .h5 saved with model.save('model.h5')")
        }
        var model = try parseArchitecture(JSONValue.parse(config, source: "\(path) (model_config)"), source: "\(path) (model_config)")
        if let version = try? file.readStringAttribute("keras_version") { model.kerasVersion = version }
        if let backend = try? file.readStringAttribute("backend") { model.backend = backend }
        guard file.kind(of: "/model_weights") == .group else {
            throw UserError("Keras model file has no 'model_weights' group", at: path,
                            expected: "a model saved with its weights (model.save('model.h5'))")
        }
        try attachWeights(to: &model.layers, file: file, root: "/model_weights")
        return model
    }

    // MARK: - Architecture

    static func parseArchitecture(_ root: JSONValue, source: String) throws -> KerasModel {
        guard let className = root["class_name"]?.stringValue, let config = root["config"] else {
            throw UserError("no 'class_name'/'config' at the top level", at: source,
                            expected: "a Keras model JSON ({\"class_name\": \"Sequential\", \"config\": {...}})")
        }
        var name = config["name"]?.stringValue ?? "model"
        var ordered: [JSONValue]
        switch className {
        case "Sequential":
            guard let layers = config.arrayValue ?? config["layers"]?.arrayValue else {
                throw UserError("Sequential config has no 'layers' list", at: source)
            }
            if config.arrayValue != nil { name = "sequential" }
            ordered = layers
        case "Model", "Functional":
            ordered = try orderFunctionalChain(config, source: source)
        default:
            throw UserError("unsupported model class '\(className)'", at: source, expected: "Sequential, Model or Functional")
        }
        var layers: [KerasLayer] = []
        for (position, entry) in ordered.enumerated() {
            guard let layerClass = entry["class_name"]?.stringValue, let layerConfig = entry["config"] else {
                throw UserError("layer #\(position) has no class_name/config", at: source)
            }
            let layerName = layerConfig["name"]?.stringValue ?? entry["name"]?.stringValue ?? "layer\(position)"
            guard supportedLayerTypes.contains(layerClass) else {
                throw UserError("unsupported layer type '\(layerClass)' (layer '\(layerName)')", at: source,
                                expected: "one of \(supportedLayerTypes.joined(separator: ", "))")
            }
            if layers.isEmpty && layerClass != "InputLayer" {
                // Old Sequential configs carry the input shape on the first layer; Keras names the
                // implicit input `<first layer>_input` (hls4ml keeps that name, e.g. `fc1_input`).
                guard let shape = layerConfig["batch_input_shape"] ?? layerConfig["batch_shape"] else {
                    throw UserError("the first layer '\(layerName)' has no input shape", at: source,
                                    expected: "an InputLayer or 'batch_input_shape' on the first layer")
                }
                layers.append(KerasLayer(className: "InputLayer", name: "\(layerName)_input",
                                         config: ["batch_input_shape": shape, "dtype": "float32", "sparse": false,
                                                  "name": .string("\(layerName)_input")]))
            } else if !layers.isEmpty && layerClass == "InputLayer" {
                throw UserError("second InputLayer '\(layerName)': only single-input chains are supported", at: source)
            }
            layers.append(KerasLayer(className: layerClass, name: layerName, config: layerConfig))
        }
        guard layers.count >= 2 else {
            throw UserError("the model has no layers after the input", at: source, expected: "at least one Dense layer")
        }
        _ = try inputShape(of: layers.first, source: source)
        return KerasModel(name: name, layers: layers, kerasVersion: root["keras_version"]?.stringValue ?? "2.4.0",
                          backend: root["backend"]?.stringValue ?? "tensorflow")
    }

    /// Input width from `batch_input_shape` [null, n] (Keras 2) or `batch_shape` (Keras 3).
    static func inputShape(of layer: KerasLayer?, source: String) throws -> Int {
        guard let layer, let shape = (layer.config["batch_input_shape"] ?? layer.config["batch_shape"])?.arrayValue else {
            throw UserError("input layer has no 'batch_input_shape'", at: source, expected: "[null, number_of_features]")
        }
        let dims = shape.dropFirst().map { $0.intValue }
        guard dims.count == 1, let width = dims[0], width > 0 else {
            throw UserError("input shape \(shape.map { $0.intValue.map(String.init) ?? "null" }) of '\(layer.name)' is not a flat vector",
                            at: source, expected: "[null, number_of_features] (only MLPs on flat inputs are supported)")
        }
        return width
    }

    /// Names of the layers feeding a functional layer (Keras 2 `[[[name, 0, 0, {}]]]` or Keras 3 `keras_history`).
    static func inboundNames(_ entry: JSONValue) -> [String] {
        guard let nodes = entry["inbound_nodes"]?.arrayValue else { return [] }
        var names: [String] = []
        for node in nodes {
            if let tensors = node.arrayValue {
                for tensor in tensors {
                    if let name = tensor.arrayValue?.first?.stringValue { names.append(name) }
                }
            } else if let args = node["args"]?.arrayValue {
                func collect(_ value: JSONValue) {
                    if let history = value["config"]?["keras_history"]?.arrayValue, let name = history.first?.stringValue {
                        names.append(name)
                    } else if let list = value.arrayValue {
                        list.forEach(collect)
                    }
                }
                args.forEach(collect)
            }
        }
        return names
    }

    static func orderFunctionalChain(_ config: JSONValue, source: String) throws -> [JSONValue] {
        guard let layers = config["layers"]?.arrayValue, !layers.isEmpty else {
            throw UserError("functional model config has no 'layers'", at: source)
        }
        func layerName(_ entry: JSONValue) -> String {
            entry["name"]?.stringValue ?? entry["config"]?["name"]?.stringValue ?? ""
        }
        let inputs = layers.filter { $0["class_name"]?.stringValue == "InputLayer" }
        guard inputs.count == 1 else {
            throw UserError("the model has \(inputs.count) input layers", at: source, expected: "exactly one input (a chain of layers)")
        }
        var ordered = [inputs[0]]
        var current = layerName(inputs[0])
        var remaining = layers.filter { layerName($0) != current }
        for entry in remaining {
            let inbound = inboundNames(entry)
            if Set(inbound).count > 1 {
                throw UserError("layer '\(layerName(entry))' merges several inputs (\(inbound.joined(separator: ", ")))", at: source,
                                expected: "a chain of layers, each fed by exactly one layer")
            }
        }
        while !remaining.isEmpty {
            let next = remaining.filter { inboundNames($0).contains(current) }
            guard next.count == 1 else {
                if next.isEmpty {
                    throw UserError("layers \(remaining.map(layerName)) are not connected to '\(current)'", at: source,
                                    expected: "a chain of layers from the input to the output")
                }
                throw UserError("layer '\(current)' feeds several layers (\(next.map(layerName).joined(separator: ", ")))", at: source,
                                expected: "a chain of layers (branches are not supported)")
            }
            ordered.append(next[0])
            current = layerName(next[0])
            remaining.removeAll { layerName($0) == current }
        }
        return ordered
    }

    // MARK: - Weights

    /// Reads each weighted layer's tensors from `<root>/<layer>` (honouring `weight_names`) and checks
    /// their shapes against the architecture.
    static func attachWeights(to layers: inout [KerasLayer], file: HDF5File, root: String) throws {
        let prefix = root == "/" ? "" : root
        let stored = try? kerasStringList(file, "layer_names", of: root)
        var width = try inputShape(of: layers.first, source: file.path)
        for index in layers.indices {
            let layer = layers[index]
            guard weightedLayerTypes.contains(layer.className) else { continue }
            let group = "\(prefix)/\(layer.name)"
            guard file.kind(of: group) == .group else {
                let available = stored ?? ((try? file.members(of: root)) ?? [])
                throw UserError("missing layer group '\(layer.name)' in the weights file", at: file.path,
                                expected: "a group per layer with weights; the file has: \(available.joined(separator: ", "))")
            }
            var names = try kerasStringList(file, "weight_names", of: group) ?? []
            if names.isEmpty { names = try datasets(under: group, in: file).map { String($0.dropFirst(group.count + 1)) } }
            var weights: [KerasWeight] = []
            for name in names {
                var path = "\(group)/\(name)"
                if file.kind(of: path) != .dataset {
                    // Some writers store bare names; find the dataset with the same role below the group.
                    let role = KerasWeight.role(of: name)
                    guard let found = try datasets(under: group, in: file).first(where: { KerasWeight.role(of: $0) == role }) else {
                        throw UserError("weight '\(name)' of layer '\(layer.name)' is listed but missing", at: "\(file.path):\(group)",
                                        expected: "a dataset \(path)")
                    }
                    path = found
                }
                let (shape, values) = try file.readFloats(path)
                weights.append(KerasWeight(name: name, shape: shape, values: values))
            }
            layers[index].weights = weights
            // Weightless layers keep the width, so only weighted layers change it.
            width = try checkShapes(layers[index], inputWidth: width, source: "\(file.path):\(group)")
        }
    }

    /// A string-list attribute as Keras stores it: whole, or (when over HDF5's 64 KiB attribute
    /// limit) split into `name0`, `name1`, ... chunks.
    static func kerasStringList(_ file: HDF5File, _ name: String, of object: String) throws -> [String]? {
        if let whole = try file.readStringArrayAttribute(name, of: object) { return whole }
        var chunks: [String] = []
        var index = 0
        while let chunk = try file.readStringArrayAttribute("\(name)\(index)", of: object) {
            chunks += chunk
            index += 1
        }
        return index == 0 ? nil : chunks
    }

    private static func datasets(under group: String, in file: HDF5File) throws -> [String] {
        var found: [String] = []
        for member in try file.members(of: group) {
            let path = "\(group)/\(member)"
            switch file.kind(of: path) {
            case .dataset: found.append(path)
            case .group: found += try datasets(under: path, in: file)
            default: break
            }
        }
        return found
    }

    /// Checks a weighted layer's tensors against its config and the incoming width; returns the
    /// outgoing width.
    static func checkShapes(_ layer: KerasLayer, inputWidth: Int, source: String) throws -> Int {
        func require(_ role: String, _ shape: [Int]) throws {
            guard let weight = layer.weight(role) else {
                throw UserError("layer '\(layer.name)' has no '\(role)' weights", at: source,
                                expected: "\(role) with shape \(shape) (found: \(layer.weights.map(\.role).joined(separator: ", ")))")
            }
            guard weight.shape == shape else {
                throw UserError("shape mismatch for '\(layer.name)' \(role): weights file has \(weight.shape), the architecture implies \(shape)",
                                at: source, expected: "weights saved from the same model as the architecture")
            }
        }
        switch layer.className {
        case "Dense", "QDense":
            guard let units = layer.config["units"]?.intValue, units > 0 else {
                throw UserError("Dense layer '\(layer.name)' has no 'units'", at: source)
            }
            try require("kernel", [inputWidth, units])
            if layer.config["use_bias"]?.boolValue ?? true { try require("bias", [units]) }
            return units
        case "BatchNormalization":
            if layer.config["scale"]?.boolValue ?? true { try require("gamma", [inputWidth]) }
            if layer.config["center"]?.boolValue ?? true { try require("beta", [inputWidth]) }
            try require("moving_mean", [inputWidth])
            try require("moving_variance", [inputWidth])
            return inputWidth
        default:
            return inputWidth
        }
    }

    /// Output width of every layer (validating weighted layers).
    static func outputWidths(_ layers: [KerasLayer], source: String) throws -> [Int] {
        var width = try inputShape(of: layers.first, source: source)
        var widths = [width]
        for layer in layers.dropFirst() {
            if weightedLayerTypes.contains(layer.className) {
                width = try checkShapes(layer, inputWidth: width, source: source)
            }
            widths.append(width)
        }
        return widths
    }
}
