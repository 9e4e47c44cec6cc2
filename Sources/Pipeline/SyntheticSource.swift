import Datasets
import Support

/// The embedded default dataset: the Datasets module's synthetic jets (see datasets/synthetic-jets.yml).
enum SyntheticSource {
    static func generate(rows: Int, seed: UInt64) throws -> JetDataset {
        SyntheticJets.generate(rows: rows, seed: seed)
    }
}
