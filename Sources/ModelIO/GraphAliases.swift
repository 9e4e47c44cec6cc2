// `Operation` is both ModelGraph's layer operation and Foundation's NSOperation, and the module
// name `ModelGraph` is shadowed by the struct of the same name; this file imports only
// ModelGraph so the alias below is unambiguous.
import ModelGraph

typealias GraphOperation = Operation
