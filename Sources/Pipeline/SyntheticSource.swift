import Datasets

/// The embedded default dataset (synthetic jets from the Datasets module).
enum SyntheticSource {
    static func generate(rows: Int, seed: UInt64) throws -> JetDataset {
        throw UserError("synthetic jets are not wired yet")
    }
}
import Support
