// The ModelIO module: Keras files in and out, and Keras → ModelGraph conversion.
//
// - `KerasModel.load(path:weights:)` reads an architecture JSON + weights .h5, or a single-file
//   Keras .h5; `KerasModel.writeH5(to:)` / `writeWeightsH5(to:)` / `writeArchitectureJSON(to:)`
//   write the Keras 2 layouts.
// - `KerasModel(trained:)` / `trainingModel()` bridge to the trainer's `Training.Model`.
// - `KerasModel.makeModelGraph(config:)` builds the typed graph as hls4ml would (indices, QKeras
//   types, passes); `KerasConversion.convert(model:weights:config:)` is the `pipeline convert` path.
