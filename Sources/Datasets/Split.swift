import Foundation
import Support

/// numpy's legacy `RandomState` generator: MT19937 seeded with `init_genrand` from an integer seed.
///
/// Only what the tutorial's split needs: raw 32-bit outputs, numpy's bounded integers by masked rejection
/// (`random_interval`) and the Fisher–Yates `shuffle`/`permutation` of `mtrand.pyx`, so
/// `NumPyRandomState(seed: 42).permutation(830_000)` equals `numpy.random.RandomState(42).permutation(830000)`.
public struct NumPyRandomState: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var position = 624

    /// `RandomState(seed)` for an integer seed in 0...2^32-1 (numpy's `_legacy_seeding` → `mt19937_seed`).
    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
        position = 624
    }

    private mutating func regenerate() {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7FFF_FFFF, matrix: UInt32 = 0x9908_B0DF
        for i in 0..<624 {
            let y = (state[i] & upper) | (state[(i + 1) % 624] & lower)
            state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) != 0 ? matrix : 0)
        }
        position = 0
    }

    /// The next tempered 32-bit output (`genrand_int32`).
    public mutating func nextUInt32() -> UInt32 {
        if position >= 624 { regenerate() }
        var y = state[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// numpy's `random_interval(max)`: uniform in 0...max by masking to the next power of two and rejecting.
    public mutating func interval(_ max: UInt64) -> UInt64 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32
        if max <= 0xFFFF_FFFF {
            while true {
                let value = UInt64(nextUInt32()) & mask
                if value <= max { return value }
            }
        }
        while true {
            // next_uint64 for MT19937 is two 32-bit outputs, high word first.
            let value = ((UInt64(nextUInt32()) << 32) | UInt64(nextUInt32())) & mask
            if value <= max { return value }
        }
    }

    /// `RandomState.shuffle` on a 1-D array: for i = n-1 down to 1, swap i with `interval(i)`.
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, through: 1, by: -1) {
            let j = Int(interval(UInt64(i)))
            values.swapAt(i, j)
        }
    }

    /// `RandomState.permutation(n)`: `arange(n)` shuffled.
    public mutating func permutation(_ n: Int) -> [Int] {
        var values = Array(0..<n)
        shuffle(&values)
        return values
    }
}

/// Row indices of a train/test split.
public struct TrainTestSplit: Sendable, Equatable, Codable {
    public var train: [Int]
    public var test: [Int]

    public init(train: [Int], test: [Int]) { self.train = train; self.test = test }

    /// scikit-learn's `train_test_split(X, y, test_size=testFraction, random_state=seed)` (no stratification):
    /// `n_test = ceil(testFraction * n)`, test = the first `n_test` entries of `RandomState(seed).permutation(n)`,
    /// train = the rest in permutation order. With seed 42 and 0.2 this is the hls4ml tutorial's split.
    public static func numpyCompatible(rows n: Int, testFraction: Double = 0.2, seed: UInt32 = 42) throws -> TrainTestSplit {
        guard testFraction > 0, testFraction < 1 else {
            throw UserError("test fraction \(testFraction) is out of range", expected: "a number strictly between 0 and 1 (the tutorial uses 0.2)")
        }
        let testCount = Int((testFraction * Double(n)).rounded(.up))
        guard testCount >= 1, testCount < n else {
            throw UserError("cannot split \(n) rows with test fraction \(testFraction)", expected: "at least one row in each part")
        }
        var random = NumPyRandomState(seed: seed)
        let permutation = random.permutation(n)
        return TrainTestSplit(train: Array(permutation[testCount...]), test: Array(permutation[..<testCount]))
    }

    /// Keeps a split stored in the file (the tutorial's X_train_val/X_test): rows 0..<trainCount train, the rest test.
    public static func predefined(rows: Int, trainCount: Int) -> TrainTestSplit {
        TrainTestSplit(train: Array(0..<trainCount), test: Array(trainCount..<rows))
    }

    /// Applies the split to `dataset`.
    public func apply(to dataset: JetDataset) -> (train: JetDataset, test: JetDataset) {
        (dataset.subset(train), dataset.subset(test))
    }
}
