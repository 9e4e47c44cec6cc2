/// `Operation` clashes with Foundation's `Operation` (NSOperation) in any file that imports
/// Foundation, and `ModelGraph.Operation` cannot disambiguate because the module and its main
/// struct share a name. Use `LayerOperation` in such files.
public typealias LayerOperation = Operation
