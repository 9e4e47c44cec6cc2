import Foundation
import Support

/// The original jet HDF5 file (dataset `t_allpar_new`, compound rows of `j_` fields). Implemented on the HDF5 module.
public enum HDF5JetReader {
    public static func load(path: String, options: DatasetLoadOptions) throws -> LoadedDataset {
        throw UserError("HDF5 jet files are not supported yet", at: path)
    }
}
