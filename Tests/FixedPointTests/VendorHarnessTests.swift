import XCTest
import TestSupport
import Foundation
import FixedPoint
import Support

/// Deterministic 64-bit generator (SplitMix64) so every run checks the same cases.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
    mutating func bool() -> Bool { next() & 1 == 1 }
    /// Random low `width` bits.
    mutating func bits(_ width: Int) -> UInt64 { width >= 64 ? next() : next() & ((1 << UInt64(width)) - 1) }
}

/// Proves the Swift fixed-point arithmetic against the Xilinx ap_types headers: a C++ harness (written
/// here, compiled with g++) computes conversions, double→fixed, sums and products for thousands of
/// random type combinations and values; every raw result must equal the Swift one.
final class VendorHarnessTests: XCTestCase {
    enum Kind: String { case conv, fromDouble = "dbl", add, mul }

    struct Group {
        var kind: Kind
        var a: FixedPointType
        var b: FixedPointType?
        var target: FixedPointType
        var operands: [(UInt64, UInt64)] = []
    }

    static func cppType(_ type: FixedPointType) -> String {
        "\(type.isSigned ? "ap_fixed" : "ap_ufixed")<\(type.width),\(type.integer),\(type.quantization.cppName),\(type.overflow.cppName)>"
    }

    static func randomType(_ rng: inout SplitMix64, maxWidth: Int, signed: Bool? = nil,
                           quantization: QuantizationMode? = nil, overflow: OverflowMode? = nil) -> FixedPointType {
        let width = rng.int(1...maxWidth)
        let isSigned = signed ?? rng.bool()
        let minWidthForSign = isSigned ? 2 : 1
        let w = max(width, minWidthForSign)
        let integer = rng.int(-4...(w + 4))
        return FixedPointType(width: w, integer: integer, isSigned: isSigned,
                              quantization: quantization ?? QuantizationMode.allCases[rng.int(0...6)],
                              overflow: overflow ?? OverflowMode.allCases[rng.int(0...3)])
    }

    /// Source raw bit patterns biased toward the interesting: extremes, ties, small values.
    static func randomBits(_ rng: inout SplitMix64, _ type: FixedPointType) -> UInt64 {
        let w = type.width
        let mask: UInt64 = w >= 64 ? ~0 : (1 << UInt64(w)) - 1
        switch rng.int(0...7) {
        case 0: return mask // all ones (−1 LSB for signed)
        case 1: return type.isSigned ? (1 << UInt64(w - 1)) & mask : mask // most negative / largest
        case 2: return type.isSigned ? ((1 << UInt64(w - 1)) - 1) & mask : 0
        case 3: return rng.bits(min(w, rng.int(1...8))) // small positive
        case 4: return (mask ^ rng.bits(min(w, rng.int(1...8)))) // small negative (signed)
        case 5: // a tie: random high bits, then 1, then zeros
            let k = UInt64(rng.int(1...min(w, 63)))
            return ((rng.bits(w) >> k) << k | (1 << (k - 1))) & mask
        default: return rng.bits(w)
        }
    }

    static func randomDouble(_ rng: inout SplitMix64, _ type: FixedPointType) -> Double {
        let lsb = scalbn(1.0, -type.fractionalBits)
        switch rng.int(0...11) {
        case 0: return [Double.infinity, -Double.infinity, 1e300, -1e300, Double.greatestFiniteMagnitude,
                        Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, 1e-300, 0.0, -0.0, Double.leastNormalMagnitude][rng.int(0...10)]
        case 1: return Double(rng.int(-2000...2000)) * lsb + 0.5 * lsb // exact ties
        case 2: return type.maxValue + lsb * Double(rng.int(-2...2)) * 0.5
        case 3: return type.minValue + lsb * Double(rng.int(-2...2)) * 0.5
        case 4: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x7F7F_FFFF)) * (rng.bool() ? 1 : -1)
        case 5: return scalbn(Double(Int64(bitPattern: rng.next()) >> 11), rng.int(-80...20))
        default:
            // uniform over a window around the type's range
            let span = scalbn(1.0, type.integer + rng.int(-3...3))
            let u = Double(rng.next() >> 11) / 9007199254740992.0
            return (u * 2 - 1) * span
        }
    }

    func makeGroups() -> [Group] {
        var rng = SplitMix64(seed: 0x4853_3453_5746_5421)
        var groups: [Group] = []
        // Conversions: every Q×O combination, signed and unsigned targets, several source types each.
        for q in QuantizationMode.allCases {
            for o in OverflowMode.allCases {
                for targetSigned in [true, false] {
                    for _ in 0..<6 {
                        // The vendor headers assert when the first dropped bit lies beyond the source's MSB
                        // (F_source − F_target > W_source), a shape hls4ml never generates: draw again.
                        var target: FixedPointType, source: FixedPointType
                        repeat {
                            target = Self.randomType(&rng, maxWidth: rng.bool() ? 20 : 64, signed: targetSigned, quantization: q, overflow: o)
                            source = Self.randomType(&rng, maxWidth: rng.bool() ? 24 : 64)
                        } while source.fractionalBits - target.fractionalBits > source.width
                        var group = Group(kind: .conv, a: source, target: target)
                        for _ in 0..<60 { group.operands.append((Self.randomBits(&rng, source), 0)) }
                        groups.append(group)
                    }
                    // double → fixed
                    for _ in 0..<2 {
                        let target = Self.randomType(&rng, maxWidth: rng.bool() ? 20 : 64, signed: targetSigned, quantization: q, overflow: o)
                        var group = Group(kind: .fromDouble, a: target, target: target)
                        for _ in 0..<100 { group.operands.append((Self.randomDouble(&rng, target).bitPattern, 0)) }
                        groups.append(group)
                    }
                }
                // sums and products assigned to a target with these modes
                for kind in [Kind.add, Kind.mul] {
                    var a: FixedPointType, b: FixedPointType, target: FixedPointType
                    repeat {
                        a = Self.randomType(&rng, maxWidth: kind == .add ? 40 : 48)
                        b = Self.randomType(&rng, maxWidth: kind == .add ? 40 : 48)
                        target = Self.randomType(&rng, maxWidth: rng.bool() ? 24 : 64, quantization: q, overflow: o)
                    } while Self.dropsBeyondMSB(kind == .add ? FixedPointType.sumType(a, b) : FixedPointType.productType(a, b), target)
                    var group = Group(kind: kind, a: a, b: b, target: target)
                    for _ in 0..<60 { group.operands.append((Self.randomBits(&rng, a), Self.randomBits(&rng, b))) }
                    groups.append(group)
                }
            }
        }
        // The simulator's own shapes: products of 16-bit types into accumulators, as in the jet tagger.
        for q in QuantizationMode.allCases {
            for o in OverflowMode.allCases {
                let a = FixedPointType.fixed(16, 6), b = FixedPointType.fixed(16, 6)
                var group = Group(kind: .mul, a: a, b: b, target: .fixed(16, 6, q, o))
                for _ in 0..<60 { group.operands.append((Self.randomBits(&rng, a), Self.randomBits(&rng, b))) }
                groups.append(group)
            }
        }
        return groups
    }

    static func dropsBeyondMSB(_ source: FixedPointType, _ target: FixedPointType) -> Bool {
        source.fractionalBits - target.fractionalBits > source.width
    }

    func harnessSource(_ groups: [Group]) -> String {
        var text = """
        // Generated by VendorHarnessTests: assignments between ap_types, one function per type combination.
        #include <ap_fixed.h>
        #include <cstdio>
        #include <cstdint>
        #include <cstring>
        template <class S, class D> static uint64_t conv(uint64_t a) { S s; s.setBits(a); D d = s; return d.bits_to_uint64(); }
        template <class D> static uint64_t dbl(uint64_t a) { double x; std::memcpy(&x, &a, 8); D d = x; return d.bits_to_uint64(); }
        template <class A, class B, class T> static uint64_t add(uint64_t a, uint64_t b) { A x; x.setBits(a); B y; y.setBits(b); T r = x + y; return r.bits_to_uint64(); }
        template <class A, class B, class T> static uint64_t mul(uint64_t a, uint64_t b) { A x; x.setBits(a); B y; y.setBits(b); T r = x * y; return r.bits_to_uint64(); }
        static uint64_t run(int g, uint64_t a, uint64_t b) {
          switch (g) {

        """
        for (index, group) in groups.enumerated() {
            let call: String
            switch group.kind {
            case .conv: call = "conv<\(Self.cppType(group.a)), \(Self.cppType(group.target))>(a)"
            case .fromDouble: call = "dbl<\(Self.cppType(group.target))>(a)"
            case .add: call = "add<\(Self.cppType(group.a)), \(Self.cppType(group.b!)), \(Self.cppType(group.target))>(a, b)"
            case .mul: call = "mul<\(Self.cppType(group.a)), \(Self.cppType(group.b!)), \(Self.cppType(group.target))>(a, b)"
            }
            text += "    case \(index): return \(call);\n"
        }
        text += """
            default: return 0;
          }
        }
        int main() {
          int g; unsigned long long a, b;
          while (std::scanf("%d %llx %llx", &g, &a, &b) == 3) std::printf("%llx\\n", (unsigned long long)run(g, a, b));
          return 0;
        }

        """
        return text
    }

    /// The Swift side of one case: the 128-bit general path.
    static func swiftResult(_ group: Group, _ a: UInt64, _ b: UInt64) -> Conversion {
        switch group.kind {
        case .conv:
            return group.target.convert(raw: group.a.raw(fromBits: a), fractionalBits: group.a.fractionalBits)
        case .fromDouble:
            return group.target.convert(Double(bitPattern: a))
        case .add:
            let x = group.a.raw(fromBits: a), y = group.b!.raw(fromBits: b)
            let sum = FixedPointType.add(x, fractionalBits: group.a.fractionalBits, y, fractionalBits: group.b!.fractionalBits)
            return group.target.convert(raw: sum, fractionalBits: max(group.a.fractionalBits, group.b!.fractionalBits))
        case .mul:
            let x = group.a.raw(fromBits: a), y = group.b!.raw(fromBits: b)
            return group.target.convert(raw: x * y, fractionalBits: group.a.fractionalBits + group.b!.fractionalBits)
        }
    }

    func testAgainstVendorHeaders() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/g++") || Shell.which("g++") != nil else {
            throw XCTSkip("g++ not found: the vendor proof needs g++ to compile the ap_types harness")
        }
        let include: String
        do { include = try APTypes.includeDirectory() } catch {
            throw XCTSkip("Xilinx ap_types headers unavailable (\(error)); set HLS4SWIFT_AP_TYPES to run the vendor proof")
        }
        let groups = makeGroups()
        let source = harnessSource(groups)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (source + include).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let work = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("hls4swift-fxharness-\(String(hash, radix: 16))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let binary = work.appendingPathComponent("harness")
        if !FileManager.default.isExecutableFile(atPath: binary.path) {
            let cpp = work.appendingPathComponent("harness.cpp")
            try source.write(to: cpp, atomically: true, encoding: .utf8)
            let staged = work.appendingPathComponent("harness.tmp-\(getpid())")
            let (status, output) = try Shell.run("/usr/bin/env", ["g++", "-std=c++17", "-O1", "-w", "-I", include, cpp.path, "-o", staged.path])
            XCTAssertEqual(status, 0, "g++ failed: \(output.suffix(3000))")
            guard status == 0 else { return }
            _ = rename(staged.path, binary.path)
        }
        var input = ""
        var expectations: [(Int, UInt64, UInt64)] = []
        for (index, group) in groups.enumerated() {
            for (a, b) in group.operands {
                input += "\(index) \(String(a, radix: 16)) \(String(b, radix: 16))\n"
                expectations.append((index, a, b))
            }
        }
        let inputFile = work.appendingPathComponent("cases-\(getpid()).txt")
        defer { try? FileManager.default.removeItem(at: inputFile) }
        try input.write(to: inputFile, atomically: true, encoding: .utf8)
        let (status, output) = try Shell.run("/bin/sh", ["-c", "'\(binary.path)' < '\(inputFile.path)'"])
        XCTAssertEqual(status, 0)
        let lines = output.split(separator: "\n")
        XCTAssertEqual(lines.count, expectations.count, "harness printed \(lines.count) results for \(expectations.count) cases")
        var mismatches = 0, fastChecked = 0, fastMismatches = 0
        var counts: [Kind: Int] = [:]
        for (line, (index, a, b)) in zip(lines, expectations) {
            let group = groups[index]
            counts[group.kind, default: 0] += 1
            guard let bits = UInt64(line, radix: 16) else { XCTFail("bad harness line \(line)"); return }
            let vendor = group.target.raw(fromBits: bits)
            let swift = Self.swiftResult(group, a, b)
            if vendor != swift.raw {
                mismatches += 1
                if mismatches <= 10 {
                    XCTFail("\(group.kind) \(group.a)\(group.b.map { ", \($0)" } ?? "") -> \(group.target) operands \(String(a, radix: 16)) \(String(b, radix: 16)): vendor raw \(vendor), swift \(swift.raw)")
                }
            }
            if group.kind == .fromDouble, FixedCast.supports(group.target) {
                var overflowed = false
                let fast = DoubleCast(group.target).apply(Double(bitPattern: a), overflowed: &overflowed)
                fastChecked += 1
                if FixedRaw(fast) != vendor || overflowed != swift.overflowed {
                    fastMismatches += 1
                    if fastMismatches <= 10 {
                        XCTFail("DoubleCast \(Double(bitPattern: a)) -> \(group.target): vendor \(vendor), fast \(fast) (overflow \(overflowed) vs \(swift.overflowed))")
                    }
                }
            }
            // The 64-bit fast path where it applies (conversions and products of narrow values).
            if group.kind == .conv || group.kind == .mul, FixedCast.supports(group.target) {
                let (source, fractional): (FixedRaw, Int) = group.kind == .conv
                    ? (group.a.raw(fromBits: a), group.a.fractionalBits)
                    : (group.a.raw(fromBits: a) * group.b!.raw(fromBits: b), group.a.fractionalBits + group.b!.fractionalBits)
                let shift = fractional - group.target.fractionalBits
                if let small = Int64(exactly: source), shift > 0 || (shift > -63 && Int64(exactly: source << -shift) != nil) {
                    let cast = FixedCast(from: fractional, to: group.target)
                    var overflowed = false
                    let fast = cast.apply(small, overflowed: &overflowed)
                    fastChecked += 1
                    if FixedRaw(fast) != vendor || overflowed != swift.overflowed {
                        fastMismatches += 1
                        if fastMismatches <= 10 {
                            XCTFail("FixedCast \(group.kind) \(fractional) -> \(group.target) source \(source): vendor \(vendor), fast \(fast) (overflow \(overflowed) vs \(swift.overflowed))")
                        }
                    }
                }
            }
        }
        XCTAssertEqual(mismatches, 0, "Swift vs ap_types mismatches over \(expectations.count) cases")
        XCTAssertEqual(fastMismatches, 0, "FixedCast vs ap_types mismatches over \(fastChecked) cases")
        XCTAssertGreaterThan(expectations.count, 20_000)
        XCTAssertGreaterThan(fastChecked, 5_000)
        print("vendor proof: \(expectations.count) cases (\(counts.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", "))), \(fastChecked) on the 64-bit path, 0 mismatches required; got \(mismatches) / \(fastMismatches)")
    }
}
