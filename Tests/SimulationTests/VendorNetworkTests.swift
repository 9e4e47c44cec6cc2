import XCTest
import TestSupport
import Foundation
import FixedPoint
import ModelGraph
@testable import Simulation
import Support

/// Whole small networks computed twice: by the Swift simulator and by a C++ program (written here,
/// from facts §1.7 and §3) using the real Xilinx ap_types headers for every cast, product, slice and
/// table entry. Covers what the KERAS_3layer conformance does not: SAT/rounding accumulators,
/// Resource order, unsigned types, sigmoid/tanh tables, softmax latency/legacy/argmax, BatchNorm.
final class VendorNetworkTests: XCTestCase {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Double { Double(next() >> 11) / 4503599627370496.0 - 1 }
    }

    enum Final {
        case softmax(SoftmaxImplementation, tableSize: Int, exp: FixedPointType, inv: FixedPointType, accum: FixedPointType,
                     invInput: FixedPointType, table: FixedPointType)
        case batchNorm(scale: FixedPointType, bias: FixedPointType)
    }

    struct Config {
        var input: FixedPointType
        var weight1: FixedPointType, accum1: FixedPointType, result1: FixedPointType
        var strategy1: Strategy = .latency, reuse1 = 1
        var activation: ActivationFunction
        var activationResult: FixedPointType
        var activationTable: FixedPointType = .fixed(18, 8)
        var activationTableSize = 1024
        var weight2: FixedPointType, accum2: FixedPointType, result2: FixedPointType
        var strategy2: Strategy = .latency, reuse2 = 1
        var final: Final
        var finalResult: FixedPointType
        var inputScale = 2.0
        var weightScale = 1.0
    }

    static let nIn = 6, nHidden = 8, nOut = 5

    static var configs: [Config] {
        let f16 = FixedPointType.fixed(16, 6)
        let tables = FixedPointType.fixed(18, 8, .rnd, .sat)
        return [
            // 0: the default all-fixed<16,6> design with stable softmax (model_default_t accumulator).
            Config(input: f16, weight1: f16, accum1: f16, result1: f16, activation: .relu, activationResult: f16,
                   weight2: f16, accum2: f16, result2: f16,
                   final: .softmax(.stable, tableSize: 1024, exp: tables, inv: tables, accum: f16, invInput: tables, table: .fixed(18, 8)),
                   finalResult: f16, inputScale: 6),
            // 1: rounding/saturating everything, QKeras-like relu output.
            Config(input: .fixed(14, 4, .rnd, .sat), weight1: .fixed(8, 2), accum1: .fixed(14, 4, .rnd, .sat),
                   result1: .fixed(12, 4, .rndConv, .satSym), activation: .relu, activationResult: .ufixed(6, 0, .rndConv, .sat),
                   weight2: .fixed(6, 1), accum2: .fixed(12, 5, .trnZero, .satZero), result2: .fixed(16, 6, .rnd, .sat),
                   final: .softmax(.stable, tableSize: 1024, exp: tables, inv: tables, accum: .fixed(18, 8, .rnd, .sat),
                                   invInput: tables, table: .fixed(18, 8)),
                   finalResult: .ufixed(8, 0, .rndInf, .sat)),
            // 2: Resource with R = 3 < n_in and a saturating accumulator: the (i mod R, i div R) order matters.
            Config(input: f16, weight1: f16, accum1: .fixed(12, 3, .trn, .sat), result1: f16, strategy1: .resource, reuse1: 3,
                   activation: .relu, activationResult: f16,
                   weight2: f16, accum2: .fixed(12, 3, .rndMinInf, .sat), result2: f16, strategy2: .resource, reuse2: 2,
                   final: .softmax(.latency, tableSize: 1024, exp: tables, inv: tables, accum: .fixed(18, 8, .rnd, .sat),
                                   invInput: tables, table: .fixed(18, 8)),
                   finalResult: f16, inputScale: 4),
            // 3: Resource R = 2 with wrapping types (the wrap shortcut), sigmoid, legacy softmax.
            Config(input: f16, weight1: f16, accum1: f16, result1: f16, strategy1: .resource, reuse1: 2,
                   activation: .sigmoid, activationResult: f16,
                   weight2: f16, accum2: f16, result2: f16,
                   final: .softmax(.legacy, tableSize: 1024, exp: tables, inv: tables, accum: f16, invInput: tables, table: .fixed(18, 8)),
                   finalResult: f16, inputScale: 3),
            // 4: tanh with a small rounding table, argmax.
            Config(input: .fixed(10, 3), weight1: .fixed(9, 2), accum1: .fixed(20, 7), result1: .fixed(10, 3),
                   activation: .tanh, activationResult: .fixed(8, 1, .rnd, .sat), activationTable: .fixed(12, 2, .rnd, .sat),
                   activationTableSize: 2048,
                   weight2: .fixed(9, 2), accum2: .fixed(20, 7), result2: .fixed(10, 3),
                   final: .softmax(.argmax, tableSize: 1024, exp: tables, inv: tables, accum: f16, invInput: tables, table: .fixed(18, 8)),
                   finalResult: .fixed(4, 2)),
            // 5: linear cast to an unsigned rounding type, BatchNormalization at the end.
            Config(input: .fixed(12, 5), weight1: .fixed(10, 3), accum1: .fixed(24, 10, .rndZero, .wrap), result1: .fixed(14, 6),
                   activation: .linear, activationResult: .ufixed(10, 3, .rndInf, .sat),
                   weight2: .fixed(10, 3), accum2: .fixed(24, 10), result2: .fixed(14, 6),
                   final: .batchNorm(scale: .fixed(10, 2), bias: .fixed(10, 4)), finalResult: .fixed(12, 4, .rndConv, .satSym)),
            // 6: "auto"-like wide types (38-bit results) into a stable softmax: the exp index uses the top bits of ufixed<37,17>.
            Config(input: f16, weight1: f16, accum1: .fixed(38, 18), result1: .fixed(38, 18), activation: .relu,
                   activationResult: .ufixed(20, 10), weight2: f16, accum2: .fixed(40, 19), result2: .fixed(38, 18),
                   final: .softmax(.stable, tableSize: 1024, exp: tables, inv: tables, accum: tables, invInput: tables, table: .fixed(18, 8)),
                   finalResult: f16),
            // 7: integer weights, small table sizes, a different inverse type (tutorial part 4 uses ap_fixed<18,4>).
            Config(input: .fixed(10, 6), weight1: .fixed(4, 4), accum1: .fixed(18, 10), result1: .fixed(12, 6, .rnd, .sat),
                   activation: .relu, activationResult: .ufixed(8, 4, .rndConv, .sat),
                   weight2: .fixed(6, 1), accum2: .fixed(16, 7, .rnd, .wrap), result2: .fixed(12, 5),
                   final: .softmax(.stable, tableSize: 256, exp: .fixed(16, 6, .rnd, .sat), inv: .fixed(18, 4, .rnd, .sat),
                                   accum: .fixed(18, 8, .rnd, .sat), invInput: .fixed(16, 7, .rnd, .sat), table: .fixed(18, 8)),
                   finalResult: .fixed(16, 6), inputScale: 8, weightScale: 4),
            // 8: 64-bit accumulators and 40-bit weights (the 128-bit path), saturating and wrapping.
            Config(input: .fixed(32, 12), weight1: .fixed(40, 10), accum1: .fixed(64, 24, .rnd, .sat), result1: .fixed(40, 20),
                   activation: .relu, activationResult: .ufixed(30, 15, .rnd, .sat),
                   weight2: .fixed(24, 4), accum2: .fixed(64, 30), result2: .fixed(16, 6, .rnd, .sat),
                   final: .softmax(.stable, tableSize: 1024, exp: tables, inv: tables, accum: .fixed(18, 8, .rnd, .sat),
                                   invInput: tables, table: .fixed(18, 8)),
                   finalResult: f16, inputScale: 3),
        ]
    }

    static func graph(_ config: Config, seed: UInt64) -> ModelGraph {
        var generator = Generator(state: seed)
        func values(_ count: Int, _ scale: Double) -> [Float] { (0..<count).map { _ in Float(generator.uniform() * scale) } }
        let dense1 = Dense(inputs: nIn, outputs: nHidden, weights: values(nIn * nHidden, config.weightScale),
                           biases: values(nHidden, 0.5 * config.weightScale),
                           weightType: .fixed(config.weight1), biasType: .fixed(config.weight1), accumType: .fixed(config.accum1))
        let dense2 = Dense(inputs: nHidden, outputs: nOut, weights: values(nHidden * nOut, config.weightScale),
                           biases: values(nOut, 0.5 * config.weightScale),
                           weightType: .fixed(config.weight2), biasType: .fixed(config.weight2), accumType: .fixed(config.accum2))
        var layers = [
            Layer(name: "fc1", index: 2, operation: .dense(dense1), resultType: .fixed(config.result1),
                  reuseFactor: config.reuse1, strategy: config.strategy1),
            Layer(name: "act1", index: 3, operation: .activation(Activation(function: config.activation, size: nHidden,
                                                                            tableSize: config.activationTableSize,
                                                                            tableType: config.activationTable)),
                  resultType: .fixed(config.activationResult)),
            Layer(name: "fc2", index: 4, operation: .dense(dense2), resultType: .fixed(config.result2),
                  reuseFactor: config.reuse2, strategy: config.strategy2),
        ]
        switch config.final {
        case let .softmax(implementation, tableSize, exp, inv, accum, invInput, table):
            let softmax = Softmax(size: nOut, implementation: implementation, tableSize: tableSize, expTableType: exp,
                                  invTableType: inv, accumType: .fixed(accum), invInputType: invInput, tableType: table)
            layers.append(Layer(name: "softmax", index: 5, operation: .softmax(softmax), resultType: .fixed(config.finalResult)))
        case let .batchNorm(scale, bias):
            let norm = BatchNormalization(size: nOut, scale: values(nOut, 2), bias: values(nOut, 1),
                                          scaleType: .fixed(scale), biasType: .fixed(bias))
            layers.append(Layer(name: "bn", index: 5, operation: .batchNormalization(norm), resultType: .fixed(config.finalResult)))
        }
        return ModelGraph(inputName: "x", inputSize: nIn, inputType: .fixed(config.input), layers: layers)
    }

    static func cpp(_ type: FixedPointType) -> String {
        "\(type.isSigned ? "ap_fixed" : "ap_ufixed")<\(type.width),\(type.integer),\(type.quantization.cppName),\(type.overflow.cppName)>"
    }

    static func floatList(_ values: [Float]) -> String {
        "{" + values.map { String(format: "%a", Double($0)) + "f" }.joined(separator: ",") + "}"
    }

    /// Input order of a Dense layer per facts §3.3 (ascending, or (i mod R, i div R) for 1 < R < n_in).
    static func order(_ n: Int, _ strategy: Strategy, _ reuse: Int) -> [Int] {
        var order = Array(0..<n)
        if strategy == .resource, reuse > 1, reuse < n { order.sort { ($0 % reuse, $0 / reuse) < ($1 % reuse, $1 / reuse) } }
        return order
    }

    static let prelude = """
    // Generated by VendorNetworkTests: small networks computed with the Xilinx ap_types headers.
    #include <ap_fixed.h>
    #include <cmath>
    #include <cstdio>
    #include <cstdlib>
    #include <cstring>
    #include <cstdint>

    static int ceillog2(int x) { return x <= 2 ? 1 : 1 + ceillog2((x + 1) / 2); }

    // Weights enter as hls4ml writes them: printf("%.Nf") with N = max(0, F), read back with strtod (facts §1.7).
    template <class W> W from_weight(float value) {
      int digits = W::width - W::iwidth; if (digits < 0) digits = 0;
      char text[128]; std::snprintf(text, sizeof text, "%.*f", digits, (double)value);
      return W(std::strtod(text, nullptr));
    }

    // Dense: accumulators start at accum(bias); every product is cast to accum, every sum too (facts §3.2/§3.3).
    template <class X, class R, class W, class A>
    void dense(const X *x, R *y, const float *weights, const float *biases, int n_in, int n_out, const int *order) {
      A acc[64];
      for (int j = 0; j < n_out; j++) acc[j] = (A)from_weight<W>(biases[j]);
      for (int p = 0; p < n_in; p++) {
        int i = order[p];
        for (int j = 0; j < n_out; j++) {
          W w = from_weight<W>(weights[i * n_out + j]);
          A product = (A)(x[i] * w);
          acc[j] = (A)(acc[j] + product);
        }
      }
      for (int j = 0; j < n_out; j++) y[j] = (R)acc[j];
    }

    template <class X, class R> void relu(const X *x, R *y, int n) { for (int i = 0; i < n; i++) y[i] = x[i] > 0 ? (R)x[i] : (R)0; }
    template <class X, class R> void linear(const X *x, R *y, int n) { for (int i = 0; i < n; i++) y[i] = (R)x[i]; }

    template <class X, class R, class T, int N> void sigmoid(const X *x, R *y, int n) {
      static T table[N]; static bool ready = false;
      if (!ready) {
        for (int k = 0; k < N; k++) { float v = 2 * 8.0 * (k - float(N) / 2.0) / float(N); float s = 1.0 / (1 + std::exp(-v)); table[k] = s; }
        ready = true;
      }
      for (int i = 0; i < n; i++) {
        int index = (x[i] * N / 16).to_int() + 8 * N / 16;
        if (index < 0) index = 0; if (index > N - 1) index = N - 1;
        y[i] = (R)table[index];
      }
    }

    template <class X, class R, class T, int N> void tanh_table(const X *x, R *y, int n) {
      static T table[N]; static bool ready = false;
      if (!ready) {
        for (int k = 0; k < N; k++) { float v = 2 * 4.0 * (k - float(N) / 2.0) / float(N); table[k] = std::tanh(v); }
        ready = true;
      }
      for (int i = 0; i < n; i++) {
        int index = (x[i] * N / 8).to_int() + 4 * N / 8;
        if (index < 0) index = 0; if (index > N - 1) index = N - 1;
        y[i] = (R)table[index];
      }
    }

    // Balanced tree sum with a cast after every addition (facts §3.6).
    template <class A> A tree_sum(const A *v, int n) {
      if (n == 1) return v[0];
      if (n == 2) return (A)(v[0] + v[1]);
      int left = 1; while (left * 2 <= n - 1) left *= 2;
      return (A)(tree_sum(v, left) + tree_sum(v + left, n - left));
    }

    // The value of type T whose top `bits` bits are k (lower bits zero), as float.
    template <class T> float value_of_index(unsigned k, int bits) { T v = 0; v(T::width - 1, T::width - bits) = k; return (float)v.to_double(); }
    template <class T> unsigned index_of_value(const T &v, int bits) { return (unsigned)v(T::width - 1, T::width - bits).to_uint64(); }

    // Inverse table indexed by inv_inp_t; steps 4-6 of facts §3.6.2.
    template <class R, class Inv, class A, class InvInp, int N_INV> void softmax_tail(const A *e, R *y, int n) {
      static Inv table[N_INV]; static bool ready = false;
      const int bits = ceillog2(N_INV);
      if (!ready) { for (int k = 0; k < N_INV; k++) { float v = value_of_index<InvInp>(k, bits); table[k] = (Inv)(1 / v); } ready = true; }
      A sum = tree_sum<A>(e, n);
      InvInp s = sum;
      Inv inverse = table[index_of_value<InvInp>(s, bits)];
      for (int i = 0; i < n; i++) y[i] = (R)(e[i] * inverse);
    }

    template <class X, class R, class Exp, class Inv, class A, class InvInp, class Norm, int N_EXP, int N_INV>
    void softmax_stable(const X *x, R *y, int n) {
      static Exp table[N_EXP]; static bool ready = false;
      const int bits = ceillog2(N_EXP);
      if (!ready) { for (int k = 0; k < N_EXP; k++) { float v = value_of_index<Norm>(k, bits); table[k] = (Exp)std::exp(-v); } ready = true; }
      X xmax = x[0];
      for (int i = 1; i < n; i++) xmax = x[i] >= xmax ? x[i] : xmax;
      A e[16];
      for (int i = 0; i < n; i++) { Norm d = xmax - x[i]; e[i] = (A)table[index_of_value<Norm>(d, bits)]; }
      softmax_tail<R, Inv, A, InvInp, N_INV>(e, y, n);
    }

    template <class X, class R, class Exp, class Inv, class A, class InvInp, int N_EXP, int N_INV>
    void softmax_latency(const X *x, R *y, int n) {
      static Exp table[N_EXP]; static bool ready = false;
      const int bits = ceillog2(N_EXP);
      if (!ready) { for (int k = 0; k < N_EXP; k++) { float v = value_of_index<X>(k, bits); table[k] = (Exp)std::exp(v); } ready = true; }
      A e[16];
      for (int i = 0; i < n; i++) e[i] = (A)table[index_of_value<X>(x[i], bits)];
      softmax_tail<R, Inv, A, InvInp, N_INV>(e, y, n);
    }

    template <class X, class R, class T, int N> void softmax_legacy(const X *x, R *y, int n) {
      static T exp_table[N], inv_table[N]; static bool ready = false;
      if (!ready) {
        for (int k = 0; k < N; k++) {
          float v = 2 * 8.0 * (k - float(N) / 2.0) / float(N); exp_table[k] = (T)std::exp(v);
          float w = 64.0 * k / float(N); inv_table[k] = w > 0 ? (T)(1.0 / w) : (T)0;
        }
        ready = true;
      }
      for (int i = 0; i < n; i++) {
        T sum = 0;
        for (int j = 0; j < n; j++) {
          if (j == i) { T one = 1; sum = sum + one; continue; }
          int index = ((x[j] - x[i]) * N / 16).to_int() + N / 2;
          if (index < 0) index = 0; if (index > N - 1) index = N - 1;
          sum = sum + exp_table[index];
        }
        int k = (sum * N / 64).to_int();
        if (k < 0) k = 0; if (k > N - 1) k = N - 1;
        y[i] = (R)inv_table[k];
      }
    }

    template <class X, class R> void argmax(const X *x, R *y, int n) {
      int best = 0;
      for (int i = 1; i < n; i++) if (x[i] > x[best]) best = i;
      for (int i = 0; i < n; i++) y[i] = i == best ? (R)1 : (R)0;
    }

    template <class X, class R, class S, class B> void batchnorm(const X *x, R *y, const float *scale, const float *bias, int n) {
      for (int i = 0; i < n; i++) y[i] = (R)(x[i] * from_weight<S>(scale[i]) + from_weight<B>(bias[i]));
    }

    """

    static func configSource(_ index: Int, _ config: Config, _ graph: ModelGraph) -> String {
        guard case .dense(let dense1) = graph.layers[0].operation, case .dense(let dense2) = graph.layers[2].operation else { return "" }
        let order1 = order(nIn, config.strategy1, config.reuse1), order2 = order(nHidden, config.strategy2, config.reuse2)
        var text = """
        namespace config\(index) {
        typedef \(cpp(config.input)) input_t;
        typedef \(cpp(config.result1)) layer1_t;
        typedef \(cpp(config.activationResult)) layer2_t;
        typedef \(cpp(config.result2)) layer3_t;
        typedef \(cpp(config.finalResult)) result_t;
        static const float w1[] = \(floatList(dense1.weights)); static const float b1[] = \(floatList(dense1.biases));
        static const float w2[] = \(floatList(dense2.weights)); static const float b2[] = \(floatList(dense2.biases));
        static const int order1[] = {\(order1.map(String.init).joined(separator: ","))};
        static const int order2[] = {\(order2.map(String.init).joined(separator: ","))};

        """
        let activationCall: String
        switch config.activation {
        case .relu: activationCall = "relu<layer1_t, layer2_t>(l1, l2, \(nHidden));"
        case .linear: activationCall = "linear<layer1_t, layer2_t>(l1, l2, \(nHidden));"
        case .sigmoid: activationCall = "sigmoid<layer1_t, layer2_t, \(cpp(config.activationTable)), \(config.activationTableSize)>(l1, l2, \(nHidden));"
        case .tanh: activationCall = "tanh_table<layer1_t, layer2_t, \(cpp(config.activationTable)), \(config.activationTableSize)>(l1, l2, \(nHidden));"
        }
        var finalCall = ""
        switch config.final {
        case let .softmax(implementation, tableSize, exp, inv, accum, invInput, table):
            let x = config.result2
            switch implementation {
            case .stable:
                let norm = x.isSigned ? FixedPointType.ufixed(x.width - 1, x.integer - 1) : FixedPointType.ufixed(x.width, x.integer)
                let expSize = x.isSigned ? min(tableSize, 1 << min(x.width - 1, 40)) : tableSize
                finalCall = "softmax_stable<layer3_t, result_t, \(cpp(exp)), \(cpp(inv)), \(cpp(accum)), \(cpp(invInput)), \(cpp(norm)), \(expSize), \(tableSize)>(l3, y, \(nOut));"
            case .latency:
                finalCall = "softmax_latency<layer3_t, result_t, \(cpp(exp)), \(cpp(inv)), \(cpp(accum)), \(cpp(invInput)), \(tableSize), \(tableSize)>(l3, y, \(nOut));"
            case .legacy:
                finalCall = "softmax_legacy<layer3_t, result_t, \(cpp(table)), \(tableSize)>(l3, y, \(nOut));"
            case .argmax:
                finalCall = "argmax<layer3_t, result_t>(l3, y, \(nOut));"
            }
        case let .batchNorm(scale, bias):
            guard case .batchNormalization(let norm) = graph.layers[3].operation else { return "" }
            text += "static const float s[] = \(floatList(norm.scale)); static const float b[] = \(floatList(norm.bias));\n"
            finalCall = "batchnorm<layer3_t, result_t, \(cpp(scale)), \(cpp(bias))>(l3, y, s, b, \(nOut));"
        }
        text += """
        static void run(const double *in, double *out) {
          input_t x[\(nIn)]; layer1_t l1[\(nHidden)]; layer2_t l2[\(nHidden)]; layer3_t l3[\(nOut)]; result_t y[\(nOut)];
          for (int i = 0; i < \(nIn); i++) x[i] = in[i];
          dense<input_t, layer1_t, \(cpp(config.weight1)), \(cpp(config.accum1))>(x, l1, w1, b1, \(nIn), \(nHidden), order1);
          \(activationCall)
          dense<layer2_t, layer3_t, \(cpp(config.weight2)), \(cpp(config.accum2))>(l2, l3, w2, b2, \(nHidden), \(nOut), order2);
          \(finalCall)
          for (int i = 0; i < \(nOut); i++) out[i] = y[i].to_double();
        }
        }

        """
        return text
    }

    func testNetworksAgainstVendorHeaders() throws {
        guard Shell.which("g++") != nil else {
            throw XCTSkip("g++ not found: the network proof needs g++ to compile the ap_types harness")
        }
        let include: String
        do { include = try APTypes.includeDirectory() } catch {
            throw XCTSkip("Xilinx ap_types headers unavailable (\(error)); set HLS4SWIFT_AP_TYPES to run the network proof")
        }
        let configs = Self.configs
        let graphs = configs.indices.map { Self.graph(configs[$0], seed: UInt64(100 + $0)) }
        var source = Self.prelude
        for (index, config) in configs.enumerated() { source += Self.configSource(index, config, graphs[index]) }
        source += """
        int main() {
          int config; double in[\(Self.nIn)], out[\(Self.nOut)];
          while (std::scanf("%d", &config) == 1) {
            for (int i = 0; i < \(Self.nIn); i++) { unsigned long long bits; std::scanf("%llx", &bits); std::memcpy(&in[i], &bits, 8); }
            switch (config) {
        \(configs.indices.map { "    case \($0): config\($0)::run(in, out); break;" }.joined(separator: "\n"))
            }
            for (int i = 0; i < \(Self.nOut); i++) { unsigned long long bits; std::memcpy(&bits, &out[i], 8); std::printf("%llx ", bits); }
            std::printf("\\n");
          }
          return 0;
        }

        """
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (source + include).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let work = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("hls4swift-netharness-\(String(hash, radix: 16))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let binary = work.appendingPathComponent("harness")
        if !FileManager.default.isExecutableFile(atPath: binary.path) {
            let cppFile = work.appendingPathComponent("harness.cpp")
            try source.write(to: cppFile, atomically: true, encoding: .utf8)
            let staged = work.appendingPathComponent("harness.tmp-\(getpid())")
            let (status, output) = try Shell.run("/usr/bin/env", ["g++", "-std=c++17", "-O1", "-w", "-I", include, cppFile.path, "-o", staged.path])
            XCTAssertEqual(status, 0, "g++ failed: \(output.suffix(3000))")
            guard status == 0 else { return }
            _ = rename(staged.path, binary.path)
        }
        // Inputs: normal-ish values times a per-config scale; every 7th row ×8 to force overflow.
        let samples = 300
        var generator = Generator(state: 42)
        var batches: [[Double]] = []
        var input = ""
        for (index, config) in configs.enumerated() {
            var batch: [Double] = []
            for row in 0..<samples {
                for _ in 0..<Self.nIn {
                    var value = (generator.uniform() + generator.uniform() + generator.uniform()) * config.inputScale
                    if row % 7 == 3 { value *= 8 }
                    batch.append(value)
                }
            }
            batches.append(batch)
            for row in 0..<samples {
                input += "\(index) " + batch[(row * Self.nIn)..<((row + 1) * Self.nIn)].map { String($0.bitPattern, radix: 16) }.joined(separator: " ") + "\n"
            }
        }
        let inputFile = work.appendingPathComponent("cases-\(getpid()).txt")
        defer { try? FileManager.default.removeItem(at: inputFile) }
        try input.write(to: inputFile, atomically: true, encoding: .utf8)
        let (status, output) = try Shell.run("/bin/sh", ["-c", "'\(binary.path)' < '\(inputFile.path)'"])
        XCTAssertEqual(status, 0, String(output.prefix(2000)))
        let lines = output.split(separator: "\n")
        XCTAssertEqual(lines.count, configs.count * samples)
        guard lines.count == configs.count * samples else { return }
        for (index, graph) in graphs.enumerated() {
            let simulator = try Simulator(graph: graph)
            let vendor: [Double] = lines[(index * samples)..<((index + 1) * samples)].flatMap { line in
                line.split(separator: " ").map { Double(bitPattern: UInt64($0, radix: 16) ?? 0) }
            }
            for counting in [false, true] {
                let ours = try simulator.run(batches[index], options: SimulationOptions(countOverflows: counting)).outputs
                var mismatches = 0
                for row in 0..<samples {
                    let a = Array(ours[(row * Self.nOut)..<((row + 1) * Self.nOut)])
                    let b = Array(vendor[(row * Self.nOut)..<((row + 1) * Self.nOut)])
                    if a != b {
                        mismatches += 1
                        if mismatches <= 3 { XCTFail("config \(index) row \(row) (counting \(counting)): swift \(a), ap_types \(b)") }
                    }
                }
                XCTAssertEqual(mismatches, 0, "config \(index): rows differing from the ap_types computation")
            }
            // Guard against a vacuous comparison: outputs must vary between rows.
            let distinctRows = Set((0..<samples).map { vendor[($0 * Self.nOut)..<(($0 + 1) * Self.nOut)].map(\.bitPattern) })
            if index == 8 {
                let simulator = try Simulator(graph: graph)
                XCTAssertTrue(simulator.steps.contains { if case .dense(let plan) = $0.plan { return plan.pointee.mode == .wide128 } else { return false } })
            }
            if index == 6 {
                // The wide-input softmax collapses (facts §3.6.5): 38-bit logits index the exp table in buckets
                // of 128, so nearly every row gives 0.2001953125 everywhere — reproduced by both sides.
                let collapsed = (0..<samples).filter { row in (0..<Self.nOut).allSatisfy { vendor[row * Self.nOut + $0] == 0.2001953125 } }
                XCTAssertGreaterThan(collapsed.count, samples / 2)
            } else {
                XCTAssertGreaterThan(distinctRows.count, 4, "config \(index) produced nearly constant outputs")
            }
        }
    }
}
