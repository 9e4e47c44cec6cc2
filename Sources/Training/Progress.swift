import Foundation

/// Events `fit` reports while it runs.
public enum ProgressEvent {
    case epochBegan(epoch: Int, of: Int)
    /// After each batch; `loss`/`accuracy` are the running means of the epoch so far.
    case batchEnded(epoch: Int, of: Int, batch: Int, batches: Int, loss: Double, accuracy: Double)
    case epochEnded(EpochLog, of: Int)
    /// Training resumed from a checkpoint after `completedEpochs`.
    case resumed(completedEpochs: Int)
}

/// How `fit` shows progress: the caller chooses (a live bar, a line per epoch, nothing, or its own).
public struct ProgressReporter {
    public var report: (ProgressEvent) -> Void

    public init(_ report: @escaping (ProgressEvent) -> Void) { self.report = report }

    public static var silent: ProgressReporter { ProgressReporter { _ in } }

    /// A live bar per epoch when standard output is a terminal, otherwise one line per epoch.
    public static var automatic: ProgressReporter { isatty(STDOUT_FILENO) != 0 ? bar : lines }

    /// One line per completed epoch, for logs and pipes.
    public static var lines: ProgressReporter {
        ProgressReporter { event in
            switch event {
            case .epochEnded(let log, let epochs):
                print(ProgressReporter.summary(log, epochs: epochs))
                fflush(nil)
            case .resumed(let done):
                print("resumed from checkpoint after epoch \(done)")
            default:
                break
            }
        }
    }

    /// A bar redrawn in place (at most ~10 times a second), then the epoch's summary line.
    public static var bar: ProgressReporter {
        final class Clock { var last: UInt64 = 0 }
        let clock = Clock()
        return ProgressReporter { event in
            switch event {
            case .batchEnded(let epoch, let epochs, let batch, let batches, let loss, let accuracy):
                let now = DispatchTime.now().uptimeNanoseconds
                guard now - clock.last > 100_000_000 || batch == batches else { return }
                clock.last = now
                let width = 30
                let filled = batches > 0 ? width * batch / batches : width
                let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "")
                    + String(repeating: " ", count: max(0, width - filled - 1))
                print("\rEpoch \(epoch)/\(epochs) [" + bar + "] \(batch)/\(batches)"
                      + String(format: " - loss: %.4f - accuracy: %.4f", loss, accuracy), terminator: "")
                fflush(nil)
            case .epochEnded(let log, let epochs):
                print("\r\u{1B}[K" + ProgressReporter.summary(log, epochs: epochs))
                fflush(nil)
            case .resumed(let done):
                print("resumed from checkpoint after epoch \(done)")
            case .epochBegan:
                break
            }
        }
    }

    /// `Epoch 3/30 - 0.41s - loss: 0.7512 - accuracy: 0.7430 - val_loss: … - lr: 1.0e-03`.
    public static func summary(_ log: EpochLog, epochs: Int) -> String {
        var text = String(format: "Epoch %d/%d - %.2fs - loss: %.4f - accuracy: %.4f", log.epoch, epochs, log.seconds,
                          log.loss, log.accuracy)
        if let v = log.valLoss { text += String(format: " - val_loss: %.4f", v) }
        if let v = log.valAccuracy { text += String(format: " - val_accuracy: %.4f", v) }
        text += String(format: " - lr: %.1e", log.learningRate)
        return text
    }
}
