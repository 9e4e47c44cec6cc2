// The Training module: Keras/QKeras/tfmot-style training of sequential MLPs, in Swift over BLAS.
//
// Map of the public API
// - Building:  `Model(inputSize:layers:seed:)` with `LayerSpec.dense/.qDense/.activation/.qActivation`;
//              `Model.jetTagger(seed:weightQuantizer:activationQuantizer:)` is the tutorial network.
//              Layers are `Layer { name, kind: .dense(Dense) | .activation(Activation) | .quantizedActivation(Quantizer) }`;
//              `Dense.kernel` is row-major inputs × units like the Keras HDF5 dataset.
// - Training:  `model.fit(LabeledData, options: FitOptions, progress: ProgressReporter) -> History`
//              (Adam/SGD, validation split = last rows, EarlyStopping, ReduceLROnPlateau, checkpoint + resume).
// - Inference: `predict` (last layer outputs), `logits` (pre-softmax, quantized forward of a QAT model, Float32),
//              `referenceLogits` (same in Double, plain loops), `evaluate` (loss with regularizers, accuracy).
// - Metrics:   `Metrics.accuracy`, `.crossEntropy`, `.roc`, `.oneVsRestROC`, `.oneVsRestAUC` (exact, tie-aware).
// - Pruning:   `model.prune(schedule:layers:)` with `PruningSchedule.constantSparsity/.polynomialDecay`,
//              `strippingPruning()`, `applyMagnitudePruning(sparsity:)`, `sparsityReport()`.
// - QAT:       `Quantizer.quantizedBits(QuantizedBits)` / `.quantizedRelu(QuantizedRelu)` (QKeras formulas,
//              half-to-even rounding, straight-through gradients, QKeras Clip constraint on latent weights).
//
// Differences from Keras/QKeras/tfmot worth knowing
// - Labels are class indices (`LabeledData`); one-hot targets are converted by argmax.
// - Pruned weights keep zero Adam moments and receive no update (tfmot lets the optimizer move them and
//   re-masks before the next forward pass; forward values are identical, a pruned weight just cannot
//   win its place back through optimizer momentum).
// - QDense initial kernels follow QKeras's QInitializer (re-draw with a larger variance when the
//   quantizer's resolution exceeds the kernel's std, then clip to ±q.max()); the tutorial's 6-bit case
//   is unaffected.
// - EarlyStopping restores the best weights only when it stops training (Keras 2 behaviour).
// - Shuffles come from the trainer's own xoshiro256** generator, not NumPy/TensorFlow.
