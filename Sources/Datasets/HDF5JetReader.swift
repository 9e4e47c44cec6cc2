import Foundation
import HDF5
import Support

/// The original jet file `processed-pythia82-lhc13-all-pt1-50k-r1_h022_e0175_t220_nonu_truth.z` (an HDF5 file despite
/// the extension): dataset `t_allpar_new`, compound rows with float32 `j_<feature>` fields and one-hot int labels
/// `j_g, j_q, j_w, j_z, j_t` (note the order differs from the sorted g,q,t,w,z). The tree has one row per
/// constituent, repeating the jet fields, so jets are de-duplicated: by `j_index` when present (first row of each
/// jet kept), otherwise by identical feature+label rows (what keras-training's `drop_duplicates()` does).
public enum HDF5JetReader {
    public static func load(path: String, options: DatasetLoadOptions) throws -> LoadedDataset {
        let file = try HDF5File.open(path: path)
        defer { file.close() }
        let datasetName = options.hdf5Dataset
        guard file.exists(datasetName), file.kind(of: datasetName) == .dataset else {
            let members = (try? file.members(of: "/")) ?? []
            throw UserError("dataset '\(datasetName)' is missing from the HDF5 file", at: path,
                            expected: members.isEmpty ? "the jet table '\(datasetName)'" : "the jet table '\(datasetName)' (file has: \(members.prefix(8).joined(separator: ", ")))")
        }
        let available = try file.compoundFieldNames(datasetName)
        let prefix = options.hdf5FieldPrefix
        var featureFields: [String] = []
        for feature in options.featureNames {
            let field = prefix + feature
            guard available.contains(field) else {
                let hint = nearestName(to: field, in: available).map { "a field '\(field)' (closest: '\($0)')" }
                throw UserError("feature '\(feature)' (field '\(field)') is missing from \(datasetName)", at: path, expected: hint)
            }
            featureFields.append(field)
        }
        // One-hot label fields, one per known class (j_g, j_q, j_t, j_w, j_z in encoder order).
        let encoder = LabelEncoder(classes: options.classNames)
        let labelFields = encoder.classes.map { prefix + $0 }
        let missingLabels = labelFields.filter { !available.contains($0) }
        guard missingLabels.isEmpty else {
            throw UserError("class columns \(missingLabels.joined(separator: ", ")) are missing from \(datasetName)", at: path,
                            expected: "one-hot int fields \(["g", "q", "w", "z", "t"].map { prefix + $0 }.joined(separator: ", "))")
        }
        let indexField = prefix + "index"
        let hasIndex = available.contains(indexField)
        let columns = try file.readCompoundColumns(datasetName, fields: featureFields + labelFields + (hasIndex ? [indexField] : []))
        let rows = columns[featureFields[0]]?.count ?? 0
        guard rows > 0 else { throw UserError("the jet table '\(datasetName)' has no rows", at: path) }

        let width = featureFields.count
        let featureColumns = featureFields.map { columns[$0]! }
        let labelColumns = labelFields.map { columns[$0]! }
        var features: [Double] = []
        var labels: [Int32] = []
        features.reserveCapacity(rows * width)
        labels.reserveCapacity(rows)
        var report = BadRowReport()
        var seenIndices = Set<Int64>()
        var seenRows = Set<[Double]>()
        var scratch = [Double](repeating: 0, count: width)
        rowLoop: for r in 0..<rows {
            if hasIndex {
                guard seenIndices.insert(Int64(columns[indexField]![r])).inserted else { continue }
            }
            for j in 0..<width {
                let value = featureColumns[j][r]
                guard value.isFinite else {
                    report.add("row \(r)", "'\(options.featureNames[j])' is \(value.isNaN ? "NaN" : "infinite")")
                    continue rowLoop
                }
                scratch[j] = value
            }
            var label = -1, ones = 0
            for (k, column) in labelColumns.enumerated() {
                if column[r] == 1 { label = k; ones += 1 } else if column[r] != 0 { ones = 99 }
            }
            guard ones == 1 else {
                report.add("row \(r)", "label fields \(labelFields.joined(separator: ",")) are not one-hot")
                continue
            }
            if !hasIndex {
                guard seenRows.insert(scratch + [Double(label)]).inserted else { continue }
            }
            features.append(contentsOf: scratch)
            labels.append(Int32(label))
        }
        try DatasetLoader.refuseIfNeeded(report, path: path, options: options)
        guard !labels.isEmpty else { throw UserError("the jet table '\(datasetName)' has no usable rows", at: path) }
        return LoadedDataset(dataset: JetDataset(featureNames: options.featureNames, classNames: encoder.classes,
                                                 features: features, labels: labels),
                             droppedRows: report)
    }

    /// Writes `dataset` in the original layout (one row per jet, float32 `j_` features, int32 one-hot labels in
    /// the order j_g, j_q, j_w, j_z, j_t, and `j_index`), e.g. to hand synthetic jets to HDF5-based tools.
    public static func write(_ dataset: JetDataset, to path: String, datasetName: String = "t_allpar_new") throws {
        var columns: [(name: String, type: HDF5ScalarType, values: [Double])] = []
        for (j, name) in dataset.featureNames.enumerated() {
            columns.append(("j_" + name, .float32, dataset.column(j)))
        }
        for name in ["g", "q", "w", "z", "t"] {
            guard let k = dataset.classNames.firstIndex(of: name) else { continue }
            columns.append(("j_" + name, .int32, dataset.labels.map { $0 == Int32(k) ? 1 : 0 }))
        }
        columns.append(("j_index", .int32, (0..<dataset.rows).map(Double.init)))
        let temporary = path + ".tmp-\(getpid())"
        do {
            let file = try HDF5File.create(path: temporary)
            try file.writeCompoundDataset(datasetName, columns: columns)
            file.close()
            guard rename(temporary, path) == 0 else { throw UserError("cannot move the HDF5 file into place", at: path) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}
