import Dispatch
import Foundation
import Support

/// A deterministic, physically motivated stand-in for the hls4ml LHC jet dataset (SYNTHETIC — not real jets).
///
/// Each jet is drawn from a small latent model of its class:
/// * a prong state (1-prong QCD-like, 2-prong W/Z-like, 3-prong top-like) with class-dependent probabilities —
///   ~19% of W/Z jets and ~4.5% of top jets lose a prong to grooming, ~21% of tops keep only the W;
/// * the groomed mass from that state: narrow W/Z/top peaks at 80/91/173 GeV with a radiative low tail,
///   falling log-normal spectra with a spike near 0 for q/g and for groomed-away bosons;
/// * a radiation latent driving the constituent multiplicity (g ≈ 72 > t ≈ 67 ≫ q ≈ W ≈ Z ≈ 42), the QCD mass
///   and part of the two-prong score (N2-like, low for 2-prong jets); a fragmentation term for zlogz.
/// Four "anchor" observables (zlogz, n2_b1, mass_mmdt, multiplicity) are calibrated per class by quantile mapping
/// to the real per-class 5/50/95% points of `JetFeatureStatistics` (tails scaled to the real mean and spread).
/// The other twelve follow from the anchors through the same relation for every class (C1 ∝ mass, C1(β=2) ∝ C1²,
/// C2 ∝ mass and N2, M2/N2(β=2)/D2(α=1) ∝ N2, D2 ∝ N2, c1_b0 = (1 − Σz²)/2 from zlogz, d2_a1_b1 = d2_b1) plus
/// shared noise — so they are as redundant as real observables and a classifier cannot read the class off
/// class-specific relations. Values are rounded to six significant digits; multiplicity is an integer.
///
/// Determinism: rows are produced in chunks of `chunkRows`, each with its own generator seeded from (seed, chunk),
/// so the output depends only on `rows` and `seed`, not on the number of threads.
public enum SyntheticJets {
    public static let defaultRows = 830_000
    public static let chunkRows = 8192
    static let featureCount = 16
    static let classCount = 5

    /// `rows` jets with uniformly drawn classes g, q, t, w, z and the 16 standard features (physical units).
    public static func generate(rows: Int, seed: UInt64, threads: Int? = nil) -> JetDataset {
        let calibration = Calibration.shared
        var features = [Double](repeating: 0, count: rows * featureCount)
        var labels = [Int32](repeating: 0, count: rows)
        let chunks = (rows + chunkRows - 1) / chunkRows
        let workers = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, chunks))
        features.withUnsafeMutableBufferPointer { featureBuffer in
            labels.withUnsafeMutableBufferPointer { labelBuffer in
                // Chunks write disjoint rows; addresses travel as integers to cross the concurrency boundary.
                let featureAddress = Int(bitPattern: featureBuffer.baseAddress), labelAddress = Int(bitPattern: labelBuffer.baseAddress)
                guard featureAddress != 0, labelAddress != 0 else { return }
                let work: @Sendable (Int) -> Void = { worker in
                    let featureBase = UnsafeMutablePointer<Double>(bitPattern: featureAddress)!
                    let labelBase = UnsafeMutablePointer<Int32>(bitPattern: labelAddress)!
                    var chunk = worker
                    while chunk < chunks {
                        let start = chunk * chunkRows, end = min(rows, start + chunkRows)
                        var random = Xoshiro256(seed: seed, stream: UInt64(chunk))
                        var raw = [Double](repeating: 0, count: rawCount)
                        raw.withUnsafeMutableBufferPointer { rawBuffer in
                            for r in start..<end {
                                let classIndex = Int(random.next() % UInt64(classCount))
                                labelBase[r] = Int32(classIndex)
                                rawJet(classIndex, &random, rawBuffer.baseAddress!)
                                calibration.map(classIndex, rawBuffer.baseAddress!, into: featureBase + r * featureCount)
                            }
                        }
                        chunk += workers
                    }
                }
                if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
            }
        }
        return JetDataset(featureNames: JetDataset.standardFeatureNames, classNames: JetDataset.standardClassNames,
                          features: features, labels: labels)
    }

    /// Six significant digits, like the values OpenML prints, so CSV/ARFF text is short and reads back exactly.
    @inline(__always) static func roundToSignificantDigits(_ value: Double) -> Double {
        if value == 0 || !value.isFinite { return value }
        let exponent = 5 - Int(log10(abs(value)).rounded(.down))
        if exponent >= 0 {
            let scale = exactPowersOfTen[min(exponent, 22)]
            return (value * scale).rounded() / scale
        }
        let scale = exactPowersOfTen[min(-exponent, 22)]
        return (value / scale).rounded() * scale
    }

    static let exactPowersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    // MARK: - The latent model

    /// Strengths of the latent model, tuned so that the tutorial MLP trained on the sample lands where it does on
    /// real jets (accuracy ≈ 0.76; one-vs-rest AUC g 0.94, q 0.90, t 0.96, w 0.95, z 0.95).
    static let radiationShareOfTwoProng = 0.5     // share of the two-prong score explained by the radiation latent
    static let twoProngSpread = 0.45
    static let familyNoiseWeight = 0.7             // weight of the shared family noise in the derived observables
    static let fragmentationSpread = 0.30          // zlogz beyond −0.73·log N
    static let topTailFraction = 0.55              // top peak: share in the low tail (lost radiation, b outside the jet)
    static let energySharingNoise = 0.40           // c1_b0: noise in the exponent
    static let qcdMassRadiationCoupling = 2.0      // QCD groomed mass vs the radiation latent
    static let derivedNoiseScale = 1.0
    static let groomedAwayMultiplicityDeficit = 0.25  // 1-prong W/Z/top jets lost a prong's constituents (log units)

    /// Features drawn from the latent model and calibrated per class ("anchors"): zlogz, n2_b1, mass,
    /// multiplicity. The other twelve follow from them through class-independent relations, so a classifier
    /// cannot learn the class from how they relate (real jets obey the same physics whatever their origin).
    static let anchors = [0, 12, 14, 15]
    static let isAnchor: [Bool] = (0..<16).map { anchors.contains($0) }

    /// A derived observable: `u = c2·a² + c1·a + c0 + slope2·(second − pivot2) + offset + spread·noise`
    /// in normalized units, `a`/`second` being other features of the same jet. The quadratic forms are least-squares
    /// fits to the per-class quantile pairs of jet-feature-stats.md (e.g. c1_b1 ≈ mass, m2_b1 ≈ f(n2_b1)).
    struct Derived: Sendable {
        var feature: Int
        var anchor: Int
        var c2: Double, c1: Double, c0: Double
        var second = -1
        var slope2 = 0.0, pivot2 = 0.0
        var family: Int  // noise family: 0 = C1/C2, 1 = N2/M2/D2(a=1), 2 = D2, 3 = C1(β=0)
        /// c1_b0 is computed in physical units from zlogz: (1 − e^(c1·zlogz + c0 + spread·noise)) / 2, the form of
        /// (1 − Σz²)/2 with Σz² ≈ e^zlogz for even sharing; c1, c0 and the noise fitted to the per-class means/stds.
        var energySharing = false
    }

    /// In dependency order (c1_b2 needs c1_b1, c2_b2 needs c2_b1).
    static let derived: [Derived] = [
        Derived(feature: 1, anchor: 0, c2: 0, c1: 1.25, c0: 1.2, family: 3, energySharing: true),        // c1_b0 <- zlogz
        Derived(feature: 6, anchor: 12, c2: 0, c1: 0.537, c0: 0.321 - 0.537 * 0.502, family: 2),             // d2_b1 <- n2_b1
        Derived(feature: 2, anchor: 14, c2: 0.166, c1: 0.981, c0: 0.003, family: 0),                        // c1_b1 <- mass
        Derived(feature: 3, anchor: 2, c2: 0.818, c1: 0.242, c0: -0.006, family: 0),                        // c1_b2 <- c1_b1
        Derived(feature: 4, anchor: 14, c2: 0.606, c1: 0.669, c0: 0.017, second: 12, slope2: 0.26, pivot2: 0.61, family: 0),  // c2_b1 <- mass, n2_b1
        Derived(feature: 5, anchor: 4, c2: 1.013, c1: -0.056, c0: 0.006, family: 0),                        // c2_b2 <- c2_b1
        Derived(feature: 7, anchor: 6, c2: 0.431, c1: 0.619, c0: -0.056, family: 2),                        // d2_b2 <- d2_b1
        Derived(feature: 9, anchor: 12, c2: 0.476, c1: 0.498, c0: 0.02, family: 1),                         // d2_a1_b2 <- n2_b1
        Derived(feature: 10, anchor: 12, c2: 0.631, c1: 0.274, c0: 0.065, family: 1),                       // m2_b1 <- n2_b1
        Derived(feature: 11, anchor: 12, c2: 1.096, c1: -0.177, c0: 0.04, family: 1),                       // m2_b2 <- n2_b1
        Derived(feature: 13, anchor: 12, c2: 0.82, c1: 0.218, c0: -0.022, family: 1),                       // n2_b2 <- n2_b1
    ]
    static let noiseFamilies = 4

    /// Raw draws for one jet: the six anchors' raw values (in `raw[anchor]`) and the standard-normal noises of the
    /// derived observables (`raw[16 + k]` own noise of derived[k], `raw[16 + derived.count + family]` shared).
    static let rawCount = 16 + 11 + 4

    /// A resonance peak with a radiative low-side tail (final-state radiation escaping the groomed jet).
    @inline(__always) static func peak(_ center: Double, _ width: Double, tail: Double, tailScale: Double = 3,
                                       _ random: inout Xoshiro256) -> Double {
        if random.uniform() < tail { return center - width * tailScale * random.exponential() }
        return center + width * random.normal()
    }

    /// The latent model of one jet of class `classIndex`: prong state, groomed mass, radiation, multiplicity,
    /// prong scores. Writes the raw anchor values (arbitrary units; calibration maps them per class) and noises.
    @inline(__always) static func rawJet(_ classIndex: Int, _ random: inout Xoshiro256, _ out: UnsafeMutablePointer<Double>) {
        // Radiation latent: more (and wider) radiation -> more constituents, larger N2/D2, heavier QCD jets.
        let radiation = random.normal()
        let choice = random.uniform()
        var prongs = 1
        var mass: Double
        switch classIndex {
        case 0:  // gluon: falling groomed-mass spectrum, sometimes a hard g -> gg/qq splitting
            if choice < 0.80 { mass = 28 * exp(1.0 * random.normal() + 0.5 * qcdMassRadiationCoupling * radiation) }
            else { prongs = 2; mass = 95 * exp(0.45 * random.normal()) }
        case 1:  // light quark: softer spectrum, narrower jets
            if choice < 0.88 { mass = 7 * exp(1.2 * random.normal() + 0.6 * qcdMassRadiationCoupling * radiation) }
            else { prongs = 2; mass = 70 * exp(0.5 * random.normal()) }
        case 2:  // top: t -> bW -> bqq, or only the W kept, or one prong
            if choice < 0.745 { prongs = 3; mass = peak(172.5, 9, tail: topTailFraction, tailScale: 3.5, &random) }
            else if choice < 0.955 { prongs = 2; mass = 80.4 + 9 * random.normal() }
            else { mass = 22 * exp(0.6 * random.normal()) }
        case 3:  // W -> qq
            if choice < 0.81 { prongs = 2; mass = peak(80.4, 3.6, tail: 0.12, &random) } else { mass = 10 * exp(1.0 * random.normal()) }
        default:  // Z -> qq
            if choice < 0.81 { prongs = 2; mass = peak(91.2, 3.9, tail: 0.12, &random) } else { mass = 11 * exp(1.0 * random.normal()) }
        }
        let medianMultiplicity: [Double] = [70, 37, 65, 40, 42]
        let spreadMultiplicity: [Double] = [0.30, 0.42, 0.26, 0.28, 0.27]
        // A boson/top that lost a prong to grooming also lost the constituents of that prong.
        let deficit = classIndex >= 2 && prongs == 1 ? groomedAwayMultiplicityDeficit : 0
        let logMultiplicity = log(medianMultiplicity[classIndex]) + spreadMultiplicity[classIndex] * radiation - deficit

        // Two-prong score (N2-like; low = two hard prongs).
        let prongBase: Double
        switch prongs {
        case 1: prongBase = 1.0
        case 2: prongBase = classIndex <= 1 ? 0.3 : -0.7
        default: prongBase = 0.2
        }
        let rho = radiationShareOfTwoProng
        let twoProng = prongBase + twoProngSpread * (rho * radiation + (1 - rho * rho).squareRoot() * random.normal())
        // zlogz = Σ z log z ≈ −log N for even sharing, higher for hard fragmentation (one leading particle).
        let zlogz = -0.73 * logMultiplicity + fragmentationSpread * random.normal()
        out[0] = zlogz
        out[12] = twoProng
        out[14] = max(mass, 0.05)
        out[15] = exp(logMultiplicity)
        for j in 16..<rawCount { out[j] = random.normal() }
    }

    // MARK: - Calibration (quantile mapping to the real per-class statistics)

    /// Anchors: per (class, anchor) a piecewise-linear monotone map raw → normalized units through the raw and real
    /// 5/50/95% points, tail slopes chosen so the mapped mean and std match the real ones. Derived observables:
    /// per (class, observable) the offset and noise spread that give the real mean and std.
    struct Calibration: Sendable {
        struct Map: Sendable {
            var r5 = 0.0, r50 = 0.0, r95 = 0.0
            var q5 = 0.0, q50 = 0.0, q95 = 0.0
            var lowerSlope = 0.0, upperSlope = 0.0
            var slope1 = 0.0, slope2 = 0.0

            @inline(__always) func apply(_ x: Double) -> Double {
                if x < r5 { return q5 - lowerSlope * (r5 - x) }
                if x < r50 { return q5 + slope1 * (x - r5) }
                if x < r95 { return q50 + slope2 * (x - r50) }
                return q95 + upperSlope * (x - r95)
            }
        }

        /// maps[class * 16 + feature] (anchors only).
        var maps: [Map]
        /// offsets/spreads[k] for derived[k], shared by all classes
        var offsets: [Double]
        var spreads: [Double]
        /// Clip range in normalized units per feature (physical lower bounds and the hard upper edges of the real data).
        var lower: [Double]
        var upper: [Double]
        var familyWeight: Double

        static let pilotRowsPerClass = 40_000
        static let pilotSeed: UInt64 = 0x6A65_7473  // fixed: the calibration is part of the model, not of the user seed

        static let shared = Calibration()

        init() {
            let offset = JetFeatureStatistics.physicalOffset, slope = JetFeatureStatistics.physicalSlope
            // Nonnegative observables (all but zlogz) may not go below physical 0; hard upper edges from the
            // stats doc: c1_b0 <= 0.49, d2_a1_b2 <= 0.35, m2_b1 <= 0.185, m2_b2 <= 0.12, n2_b1 <= 0.44, n2_b2 <= 0.31.
            lower = (0..<SyntheticJets.featureCount).map { $0 == 0 ? -0.25 : max(-0.3, -offset[$0] / slope[$0]) }
            upper = [Double](repeating: 1.3, count: SyntheticJets.featureCount)
            for (feature, edge) in [(1, 0.49), (9, 0.35), (10, 0.185), (11, 0.12), (12, 0.44), (13, 0.31)] {
                upper[feature] = (edge - offset[feature]) / slope[feature]
            }
            upper[0] = 1.25
            familyWeight = SyntheticJets.familyNoiseWeight

            let n = Self.pilotRowsPerClass
            let width = SyntheticJets.rawCount
            var maps = [Map](repeating: Map(), count: SyntheticJets.classCount * 16)
            var raw = [[Double]](repeating: [Double](repeating: 0, count: n * width), count: SyntheticJets.classCount)
            var u = [[Double]](repeating: [Double](repeating: 0, count: n * 16), count: SyntheticJets.classCount)
            for classIndex in 0..<SyntheticJets.classCount {
                var random = Xoshiro256(seed: Self.pilotSeed, stream: UInt64(classIndex))
                raw[classIndex].withUnsafeMutableBufferPointer { buffer in
                    for r in 0..<n { SyntheticJets.rawJet(classIndex, &random, buffer.baseAddress! + r * width) }
                }
                for feature in anchors {
                    let column = (0..<n).map { raw[classIndex][$0 * width + feature] }.sorted()
                    let map = Self.fit(sorted: column, target: JetFeatureStatistics.targets[feature][classIndex])
                    maps[classIndex * 16 + feature] = map
                    for r in 0..<n { u[classIndex][r * 16 + feature] = map.apply(raw[classIndex][r * width + feature]) }
                }
            }
            // Derived observables: one offset and one noise spread per observable for all classes (pooled), so the
            // relation to its anchor is the same for every class.
            var offsets = [Double](repeating: 0, count: derived.count)
            var spreads = [Double](repeating: 0, count: derived.count)
            for (index, d) in derived.enumerated() {
                var shift = 0.0, excess = 0.0
                var bases = [[Double]]()
                for classIndex in 0..<SyntheticJets.classCount {
                    var base = [Double](repeating: 0, count: n)
                    var sum = 0.0, sumSquares = 0.0
                    for r in 0..<n {
                        base[r] = d.energySharing ? 0 : Self.base(d, u[classIndex], r * 16)
                        sum += base[r]; sumSquares += base[r] * base[r]
                    }
                    let mean = sum / Double(n), variance = max(0, sumSquares / Double(n) - mean * mean)
                    let target = JetFeatureStatistics.targets[d.feature][classIndex]
                    shift += (target[0] - mean) / Double(SyntheticJets.classCount)
                    excess += max(0, target[1] * target[1] - variance) / Double(SyntheticJets.classCount)
                    bases.append(base)
                }
                offsets[index] = d.energySharing ? 0 : shift
                spreads[index] = d.energySharing ? SyntheticJets.energySharingNoise : max(0.005, excess.squareRoot() * SyntheticJets.derivedNoiseScale)
                for classIndex in 0..<SyntheticJets.classCount {
                    for r in 0..<n {
                        let noise = Self.noise(index, d, raw[classIndex], r * width, familyWeight)
                        u[classIndex][r * 16 + d.feature] = d.energySharing
                            ? Self.energySharing(d, u[classIndex][r * 16], spreads[index] * noise)
                            : bases[classIndex][r] + offsets[index] + spreads[index] * noise
                    }
                }
            }
            self.maps = maps
            self.offsets = offsets
            self.spreads = spreads
        }

        @inline(__always) static func base(_ d: Derived, _ u: UnsafePointer<Double>) -> Double {
            let a = u[d.anchor]
            var value = (d.c2 * a + d.c1) * a + d.c0
            if d.second >= 0 { value += d.slope2 * (u[d.second] - d.pivot2) }
            return value
        }

        /// c1_b0 from zlogz (both in normalized units), through physical units.
        @inline(__always) static func energySharing(_ d: Derived, _ zlogzU: Double, _ noise: Double) -> Double {
            let zlogz = JetFeatureStatistics.physicalOffset[0] + JetFeatureStatistics.physicalSlope[0] * zlogzU
            let c1b0 = 0.5 * (1 - exp(d.c1 * zlogz + d.c0 + noise))
            return (c1b0 - JetFeatureStatistics.physicalOffset[1]) / JetFeatureStatistics.physicalSlope[1]
        }

        static func base(_ d: Derived, _ u: [Double], _ start: Int) -> Double {
            u.withUnsafeBufferPointer { base(d, $0.baseAddress! + start) }
        }

        @inline(__always) static func noise(_ index: Int, _ d: Derived, _ raw: UnsafePointer<Double>, _ weight: Double) -> Double {
            weight.squareRoot() * raw[16 + derived.count + d.family] + (1 - weight).squareRoot() * raw[16 + index]
        }

        static func noise(_ index: Int, _ d: Derived, _ raw: [Double], _ start: Int, _ weight: Double) -> Double {
            raw.withUnsafeBufferPointer { noise(index, d, $0.baseAddress! + start, weight) }
        }

        /// numpy's default (linear) percentile of sorted data.
        static func percentile(_ sorted: [Double], _ p: Double) -> Double {
            let position = p / 100 * Double(sorted.count - 1)
            let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
            return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
        }

        static func fit(sorted: [Double], target: [Double]) -> Map {
            var map = Map()
            map.r5 = percentile(sorted, 5); map.r50 = percentile(sorted, 50); map.r95 = percentile(sorted, 95)
            map.q5 = target[3]; map.q50 = target[2]; map.q95 = target[4]
            map.slope1 = map.r50 > map.r5 ? (map.q50 - map.q5) / (map.r50 - map.r5) : 0
            map.slope2 = map.r95 > map.r50 ? (map.q95 - map.q50) / (map.r95 - map.r50) : 0
            // Moments of the map with flat tails (Y0) and of the tail excursions L = (r5-x)+, H = (x-r95)+.
            let n = Double(sorted.count)
            var y0 = 0.0, y0Squared = 0.0, l = 0.0, lSquared = 0.0, h = 0.0, hSquared = 0.0
            for x in sorted {
                let flat = x < map.r5 ? map.q5 : (x > map.r95 ? map.q95 : map.apply(x))
                y0 += flat; y0Squared += flat * flat
                if x < map.r5 { let d = map.r5 - x; l += d; lSquared += d * d }
                if x > map.r95 { let d = x - map.r95; h += d; hSquared += d * d }
            }
            y0 /= n; y0Squared /= n; l /= n; lSquared /= n; h /= n; hSquared /= n
            let targetMean = target[0], targetStd = target[1]
            func error(_ a: Double, _ b: Double) -> Double {
                let mean = y0 - a * l + b * h
                let second = y0Squared - 2 * a * map.q5 * l + a * a * lSquared + 2 * b * map.q95 * h + b * b * hSquared
                let std = max(0, second - mean * mean).squareRoot()
                return (mean - targetMean) * (mean - targetMean) + (std - targetStd) * (std - targetStd)
            }
            // Coarse-to-fine grid search over nonnegative slopes (closed-form moments, so this is cheap).
            // Tail slopes stay within [1/4, 8] × the neighbouring middle slope: no pile-up at the 5/95% points.
            let reference = max(map.slope1, map.slope2, 1e-12)
            let lowA = 0.25 * map.slope1, lowB = 0.25 * map.slope2
            var bestA = map.slope1, bestB = map.slope2, bestError = error(bestA, bestB)
            var span = 8 * reference
            var centerA = span / 2, centerB = span / 2
            for _ in 0..<4 {
                for i in 0...40 {
                    for j in 0...40 {
                        let a = max(lowA, centerA - span / 2 + span * Double(i) / 40)
                        let b = max(lowB, centerB - span / 2 + span * Double(j) / 40)
                        let e = error(a, b)
                        if e < bestError { bestError = e; bestA = a; bestB = b }
                    }
                }
                centerA = bestA; centerB = bestB; span /= 8
            }
            map.lowerSlope = bestA
            map.upperSlope = bestB
            return map
        }

        /// Maps one raw jet to physical units.
        @inline(__always) func map(_ classIndex: Int, _ raw: UnsafeMutablePointer<Double>, into out: UnsafeMutablePointer<Double>) {
            let mapBase = classIndex * 16
            for f in SyntheticJets.anchors { out[f] = maps[mapBase + f].apply(raw[f]) }
            for (index, d) in derived.enumerated() {
                let noise = spreads[index] * Self.noise(index, d, UnsafePointer(raw), familyWeight)
                out[d.feature] = d.energySharing ? Self.energySharing(d, out[d.anchor], noise)
                    : Self.base(d, UnsafePointer(out)) + offsets[index] + noise
            }
            for f in 0..<16 {
                let u = min(upper[f], max(lower[f], out[f]))
                out[f] = roundToSignificantDigits(JetFeatureStatistics.physicalOffset[f] + JetFeatureStatistics.physicalSlope[f] * u)
            }
            out[8] = out[6]  // d2_a1_b1_mmdt equals d2_b1_mmdt row by row in the real data
            out[15] = max(1, out[15].rounded())  // multiplicity is a count
        }
    }
}

/// xoshiro256** with SplitMix64 seeding: fast, statistically strong, one independent stream per chunk.
struct Xoshiro256 {
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    var spareNormal = 0.0
    var hasSpare = false

    init(seed: UInt64, stream: UInt64) {
        var x = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    @inline(__always) mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in (0, 1).
    @inline(__always) mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    /// Standard normal (Box–Muller, both values used).
    @inline(__always) mutating func normal() -> Double {
        if hasSpare { hasSpare = false; return spareNormal }
        let radius = (-2 * log(uniform())).squareRoot()
        let angle = 2 * Double.pi * uniform()
        spareNormal = radius * sin(angle)
        hasSpare = true
        return radius * cos(angle)
    }

    /// Exponential with mean 1.
    @inline(__always) mutating func exponential() -> Double { -log(uniform()) }
}

extension SyntheticJets {
    /// Writes a dataset as .npz, .csv or .arff (atomically).
    public static func write(_ dataset: JetDataset, to path: String, format: DatasetFormat, float32: Bool = false) throws {
        switch format {
        case .npz: try NumPyDataset.writeNPZ(dataset, to: path, float32: float32)
        case .csv: try CSVReader.write(dataset, to: path)
        case .arff: try ARFFReader.write(dataset, to: path)
        default: throw UserError("cannot write a dataset as .\(format.rawValue)", at: path, expected: ".npz, .csv or .arff")
        }
    }
}
