// The hls4swift C++ layer library, written for this project from the layer semantics in
// docs/hls4ml-facts.md §3 (same names and config members as hls4ml so its users find their way
// around; no code taken from hls4ml). Embedded as string literals so the writer needs no resources.
// Edit the C++ here; ProjectWriter copies it to firmware/nnet_utils/.

/// The C++ template library written into every project's `firmware/nnet_utils/`.
public enum TemplateLibrary {
    /// File name → contents.
    public static let files: [(name: String, contents: String)] = [
        ("nnet_common.h", Self.common),
        ("nnet_dense.h", Self.dense),
        ("nnet_activation.h", Self.activation),
        ("nnet_batchnorm.h", Self.batchnorm),
        ("nnet_stream.h", Self.stream),
        ("nnet_helpers.h", Self.helpers),
    ]

    static let common = #"""
// hls4swift C++ layer library: common definitions.
// Written for hls4swift from the documented layer semantics of hls4ml (same names and config
// members, so hls4ml users find their way around); not derived from hls4ml's nnet_utils sources.
#ifndef NNET_COMMON_H_
#define NNET_COMMON_H_

#include "ap_fixed.h"
#include "ap_int.h"

// HLS directives are written NNET_PRAGMA(HLS ...): the HLS tool (which defines __SYNTHESIS__)
// sees `#pragma HLS ...`; a plain C++ compiler sees nothing, so C-simulation builds stay free of
// unknown-pragma warnings under -Wall.
#if defined(__SYNTHESIS__) || defined(__HLS_SYN__)
#define NNET_PRAGMA_TEXT(...) #__VA_ARGS__
#define NNET_PRAGMA(...) _Pragma(NNET_PRAGMA_TEXT(__VA_ARGS__))
#else
#define NNET_PRAGMA(...)
#endif

namespace nnet {

enum io_type { io_parallel = 0, io_stream = 1 };
enum strategy { latency = 0, resource = 1 };
enum softmax_implementation { softmax_latency_impl = 0, softmax_legacy_impl = 1, softmax_stable_impl = 2, softmax_argmax_impl = 3 };

/// A pack of N values carried by one word of an io_stream FIFO.
template <class T, unsigned N> struct array {
    typedef T value_type;
    static const unsigned size = N;
    T data[N];
    T &operator[](unsigned i) { return data[i]; }
    const T &operator[](unsigned i) const { return data[i]; }
};

/// ceillog2(x) = 1 for x <= 2, else 1 + ceillog2((x + 1) / 2) (table index widths).
constexpr int ceillog2(int x) { return x <= 2 ? 1 : 1 + ceillog2((x + 1) / 2); }
constexpr int floorlog2(int x) { return x < 2 ? 0 : 1 + floorlog2(x / 2); }
constexpr int pow2(int x) { return x <= 0 ? 1 : 2 * pow2(x - 1); }

/// Adds two values, the exact sum cast back to T.
template <class T> struct op_add {
    T operator()(const T &a, const T &b) const { return T(a + b); }
};

/// The larger of two values (the first one on ties).
template <class T> struct op_max {
    T operator()(const T &a, const T &b) const { return a >= b ? a : b; }
};

/// Balanced binary reduction: the left part holds 2^floor(log2(N - 1)) elements; every partial
/// result is a T. The tree shape fixes the rounding order, so it is part of the semantics.
template <class T, int N, class Op> struct reduce_tree {
    static T apply(const T *x, const Op &op) {
        NNET_PRAGMA(HLS INLINE)
        return op(reduce_tree<T, pow2(floorlog2(N - 1)), Op>::apply(x, op),
                  reduce_tree<T, N - pow2(floorlog2(N - 1)), Op>::apply(x + pow2(floorlog2(N - 1)), op));
    }
};
template <class T, class Op> struct reduce_tree<T, 1, Op> {
    static T apply(const T *x, const Op &) { return x[0]; }
};
template <class T, class Op> struct reduce_tree<T, 2, Op> {
    static T apply(const T *x, const Op &op) { return op(x[0], x[1]); }
};

template <class T, int N, class Op> T reduce(const T *x, const Op &op) {
    NNET_PRAGMA(HLS INLINE)
    return reduce_tree<T, N, Op>::apply(x, op);
}

/// Table index of a fixed-point value: the top N bits of its raw W-bit two's-complement pattern.
template <class T, int N> unsigned index_from_top_bits(const T &x) {
    NNET_PRAGMA(HLS INLINE)
    const int width = T::width;
    ap_uint<T::width> bits = x.range(width - 1, 0);
    if (width >= N) {
        ap_uint<T::width> shifted = bits >> (width >= N ? width - N : 0);
        return (unsigned)shifted.to_uint64();
    }
    return (unsigned)bits.to_uint64() << (width < N ? N - width : 0);
}

/// The value of type T whose top N bits are `index` and whose lower bits are zero (the lower
/// edge of the index's bucket), as a float: where lookup tables are sampled.
template <class T, int N> float value_of_top_bits(unsigned index) {
    const int width = T::width;
    T value = 0;
    ap_uint<T::width> bits = 0;
    if (width >= N) {
        bits = index;
        bits = bits << (width >= N ? width - N : 0);
    } else {
        bits = index >> (width < N ? N - width : 0);
    }
    value.range(width - 1, 0) = bits;
    return value.to_float();
}

/// clamp(trunc0(x * TABLE_SIZE / 2^LOG2_RANGE) + OFFSET, 0, TABLE_SIZE - 1): the index into the
/// uniformly sampled sigmoid/tanh/legacy-softmax tables. Evaluated exactly in a wide fixed-point
/// type (multiplying by TABLE_SIZE and dividing by 2^LOG2_RANGE lose nothing there).
template <int LOG2_RANGE, int TABLE_SIZE, int OFFSET, class T> int uniform_table_index(const T &x) {
    NNET_PRAGMA(HLS INLINE)
    typedef ap_fixed<T::width + 34 + LOG2_RANGE, T::iwidth + 34> wide_t;
    wide_t scaled = x;
    scaled = scaled * TABLE_SIZE;
    scaled = scaled >> LOG2_RANGE;
    if (scaled <= -2 * TABLE_SIZE) return 0;
    if (scaled >= 2 * TABLE_SIZE) return TABLE_SIZE - 1;
    int index = scaled.to_int() + OFFSET;
    if (index < 0) index = 0;
    if (index > TABLE_SIZE - 1) index = TABLE_SIZE - 1;
    return index;
}

} // namespace nnet

#endif
"""#

    static let dense = #"""
// hls4swift C++ layer library: fully connected layers (io_parallel).
#ifndef NNET_DENSE_H_
#define NNET_DENSE_H_

#include "nnet_common.h"

namespace nnet {

/// Members every generated `config<N>` of a Dense layer defines.
struct dense_config {
    static const unsigned n_in = 10;
    static const unsigned n_out = 10;
    static const unsigned io_type = io_parallel;
    static const unsigned strategy = latency;
    static const unsigned reuse_factor = 1;
    static const unsigned n_zeros = 0;
    static const unsigned n_nonzeros = 100;
    static const unsigned multiplier_limit = 100;
    static const unsigned block_factor = 100;
    static const bool store_weights_in_bram = false;
    typedef ap_fixed<16, 6> accum_t;
    typedef ap_fixed<16, 6> bias_t;
    typedef ap_fixed<16, 6> weight_t;
};

/// Latency strategy: fully unrolled, weights in Keras layout `weights[i * n_out + j]`.
/// acc_j = accum_t(bias_j); for i ascending: acc_j = accum_t(acc_j + accum_t(x_i * w_ij)); y_j = res_T(acc_j).
/// A weight that is exactly zero contributes accum_t(0) and is skipped, so pruned weights create
/// no multiplier (the result is the same bit for bit).
template <class data_T, class res_T, typename CONFIG_T>
void dense_latency(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
                   const typename CONFIG_T::weight_t weights[CONFIG_T::n_in * CONFIG_T::n_out],
                   const typename CONFIG_T::bias_t biases[CONFIG_T::n_out]) {
    NNET_PRAGMA(HLS PIPELINE II=CONFIG_T::reuse_factor)
    NNET_PRAGMA(HLS function_instantiate variable=weights,biases)
    NNET_PRAGMA(HLS ARRAY_PARTITION variable=biases complete)
    NNET_PRAGMA(HLS ALLOCATION operation instances=mul limit=CONFIG_T::multiplier_limit)

    typename CONFIG_T::accum_t acc[CONFIG_T::n_out];
    NNET_PRAGMA(HLS ARRAY_PARTITION variable=acc complete)

    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
        NNET_PRAGMA(HLS UNROLL)
        acc[j] = (typename CONFIG_T::accum_t)biases[j];
    }

    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        NNET_PRAGMA(HLS UNROLL)
        for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
            NNET_PRAGMA(HLS UNROLL)
            const typename CONFIG_T::weight_t weight = weights[i * CONFIG_T::n_out + j];
            if (weight == 0) continue;
            const typename CONFIG_T::accum_t product = data[i] * weight;
            acc[j] = acc[j] + product;
        }
    }

    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
        NNET_PRAGMA(HLS UNROLL)
        res[j] = (res_T)acc[j];
    }
}

/// Resource strategy with ReuseFactor R (R divides n_in * n_out; the writer validates it):
/// weights transposed, `weights[j * n_in + i]`. Cycle ir = 0..R-1 performs the block_factor
/// products of weight indices ir, ir + R, ir + 2R, ... - so each output adds its inputs in the
/// order of increasing (i mod R, i div R) when R <= n_in, and in ascending i when R > n_in.
template <class data_T, class res_T, typename CONFIG_T>
void dense_resource(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
                    const typename CONFIG_T::weight_t weights[CONFIG_T::n_in * CONFIG_T::n_out],
                    const typename CONFIG_T::bias_t biases[CONFIG_T::n_out]) {
    const unsigned reuse = CONFIG_T::reuse_factor;
    const unsigned block = CONFIG_T::block_factor;
    NNET_PRAGMA(HLS function_instantiate variable=weights,biases)
    NNET_PRAGMA(HLS ARRAY_RESHAPE variable=weights block factor=block)
    NNET_PRAGMA(HLS ARRAY_PARTITION variable=biases complete)

    typename CONFIG_T::accum_t acc[CONFIG_T::n_out];
    NNET_PRAGMA(HLS ARRAY_PARTITION variable=acc complete)

    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
        NNET_PRAGMA(HLS UNROLL)
        acc[j] = (typename CONFIG_T::accum_t)biases[j];
    }

    for (unsigned ir = 0; ir < reuse; ir++) {
        NNET_PRAGMA(HLS PIPELINE II=1 rewind)
        for (unsigned im = 0; im < block; im++) {
            NNET_PRAGMA(HLS UNROLL)
            const unsigned w = ir + reuse * im;
            if (w >= CONFIG_T::n_in * CONFIG_T::n_out) continue;
            const unsigned i = w % CONFIG_T::n_in;
            const unsigned j = w / CONFIG_T::n_in;
            const typename CONFIG_T::accum_t product = data[i] * weights[w];
            acc[j] = acc[j] + product;
        }
    }

    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
        NNET_PRAGMA(HLS UNROLL)
        res[j] = (res_T)acc[j];
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void dense(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
           const typename CONFIG_T::weight_t weights[CONFIG_T::n_in * CONFIG_T::n_out],
           const typename CONFIG_T::bias_t biases[CONFIG_T::n_out]) {
    NNET_PRAGMA(HLS INLINE)
    if (CONFIG_T::strategy == resource) {
        dense_resource<data_T, res_T, CONFIG_T>(data, res, weights, biases);
    } else {
        dense_latency<data_T, res_T, CONFIG_T>(data, res, weights, biases);
    }
}

} // namespace nnet

#endif
"""#

    static let activation = #"""
// hls4swift C++ layer library: element-wise activations and softmax (io_parallel).
#ifndef NNET_ACTIVATION_H_
#define NNET_ACTIVATION_H_

#include <cmath>
#include "nnet_common.h"

namespace nnet {

struct activ_config {
    static const unsigned n_in = 10;
    static const unsigned table_size = 1024;
    static const unsigned io_type = io_parallel;
    static const unsigned reuse_factor = 1;
    typedef ap_fixed<18, 8> table_t;
};

/// y = res_T(x) with res_T's rounding and overflow modes.
template <class data_T, class res_T, typename CONFIG_T>
void linear(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in]) {
    NNET_PRAGMA(HLS PIPELINE)
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        NNET_PRAGMA(HLS UNROLL)
        res[i] = (res_T)data[i];
    }
}

/// y = x > 0 ? res_T(x) : 0.
template <class data_T, class res_T, typename CONFIG_T>
void relu(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in]) {
    NNET_PRAGMA(HLS PIPELINE)
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        NNET_PRAGMA(HLS UNROLL)
        if (data[i] > 0) {
            res[i] = (res_T)data[i];
        } else {
            res[i] = (res_T)0;
        }
    }
}

/// Sigmoid table over [-8, 8): entry k = table_t(float(1 / (1 + expf(-v_k)))), v_k = 16 (k - N/2) / N
/// (sample point computed in double and stored as float; the function value is a float).
template <typename CONFIG_T> void init_sigmoid_table(typename CONFIG_T::table_t table[CONFIG_T::table_size]) {
    const int n = CONFIG_T::table_size;
    for (int k = 0; k < n; k++) {
        const float v = 16.0 * (k - double(n) / 2.0) / double(n);
        const float value = 1.0 / double(1.0f + std::exp(-v));
        table[k] = (typename CONFIG_T::table_t)value;
    }
}

/// Tanh table over [-4, 4): entry k = table_t(tanhf(v_k)), v_k = 8 (k - N/2) / N.
template <typename CONFIG_T> void init_tanh_table(typename CONFIG_T::table_t table[CONFIG_T::table_size]) {
    const int n = CONFIG_T::table_size;
    for (int k = 0; k < n; k++) {
        const float v = 8.0 * (k - double(n) / 2.0) / double(n);
        const float value = std::tanh(v);
        table[k] = (typename CONFIG_T::table_t)value;
    }
}

/// y = res_T(table[clamp(trunc0(x N / 16) + N/2)]).
template <class data_T, class res_T, typename CONFIG_T>
void sigmoid(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in]) {
#if defined(__HLS_SYN__) || defined(__SYNTHESIS__)
    bool initialized = false;
    typename CONFIG_T::table_t sigmoid_table[CONFIG_T::table_size];
#else
    static bool initialized = false;
    static typename CONFIG_T::table_t sigmoid_table[CONFIG_T::table_size];
#endif
    if (!initialized) {
        init_sigmoid_table<CONFIG_T>(sigmoid_table);
        initialized = true;
    }
    NNET_PRAGMA(HLS PIPELINE)
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        NNET_PRAGMA(HLS UNROLL)
        res[i] = (res_T)sigmoid_table[uniform_table_index<4, CONFIG_T::table_size, CONFIG_T::table_size / 2>(data[i])];
    }
}

/// y = res_T(table[clamp(trunc0(x N / 8) + N/2)]).
template <class data_T, class res_T, typename CONFIG_T>
void tanh(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in]) {
#if defined(__HLS_SYN__) || defined(__SYNTHESIS__)
    bool initialized = false;
    typename CONFIG_T::table_t tanh_table[CONFIG_T::table_size];
#else
    static bool initialized = false;
    static typename CONFIG_T::table_t tanh_table[CONFIG_T::table_size];
#endif
    if (!initialized) {
        init_tanh_table<CONFIG_T>(tanh_table);
        initialized = true;
    }
    NNET_PRAGMA(HLS PIPELINE)
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        NNET_PRAGMA(HLS UNROLL)
        res[i] = (res_T)tanh_table[uniform_table_index<3, CONFIG_T::table_size, CONFIG_T::table_size / 2>(data[i])];
    }
}

// ---------------------------------------------------------------------------------------------
// Softmax
// ---------------------------------------------------------------------------------------------

/// Members of a generated `softmax_config<N>`. The writer derives the sizes and inp_norm_t from
/// the input type as hls4ml >= 1.2 does (exp table of a signed input: min(table_size, 2^(W-1))).
struct softmax_config {
    static const unsigned n_in = 10;
    static const unsigned table_size = 1024;
    static const unsigned exp_table_size = 1024;
    static const unsigned inv_table_size = 1024;
    static const unsigned io_type = io_parallel;
    static const unsigned reuse_factor = 1;
    static const unsigned implementation = softmax_stable_impl;
    typedef ap_fixed<18, 8, AP_RND, AP_SAT> exp_table_t;
    typedef ap_fixed<18, 8, AP_RND, AP_SAT> inv_table_t;
    typedef ap_fixed<18, 8, AP_RND, AP_SAT> accum_t;
    typedef ap_fixed<18, 8, AP_RND, AP_SAT> inv_inp_t;
    typedef ap_ufixed<15, 5> inp_norm_t;
    typedef ap_fixed<18, 8> table_t;
};

/// Inverse table indexed by the top bits of inv_inp_t: entry k = inv_table_t(1 / v_k), v_k the
/// lower edge of bucket k (v_0 = 0 gives +inf, i.e. the saturated maximum with SAT types).
template <typename CONFIG_T> void init_softmax_invert_table(typename CONFIG_T::inv_table_t table[CONFIG_T::inv_table_size]) {
    const int bits = ceillog2(CONFIG_T::inv_table_size);
    for (unsigned k = 0; k < CONFIG_T::inv_table_size; k++) {
        const float v = value_of_top_bits<typename CONFIG_T::inv_inp_t, bits>(k);
        table[k] = (typename CONFIG_T::inv_table_t)(1.0f / v);
    }
}

/// The sum of the exponentials (balanced tree in accum_t), its inverse from the table, and the
/// products y_i = res_T(e_i * inverse): steps shared by the stable and latency variants.
template <class res_T, typename CONFIG_T>
void softmax_normalize(const typename CONFIG_T::accum_t exps[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
                       const typename CONFIG_T::inv_table_t invert_table[CONFIG_T::inv_table_size]) {
    NNET_PRAGMA(HLS INLINE)
    const int bits = ceillog2(CONFIG_T::inv_table_size);
    op_add<typename CONFIG_T::accum_t> add;
    const typename CONFIG_T::inv_inp_t sum =
        reduce<typename CONFIG_T::accum_t, CONFIG_T::n_in, op_add<typename CONFIG_T::accum_t> >(exps, add);
    const typename CONFIG_T::inv_table_t inverse =
        invert_table[index_from_top_bits<typename CONFIG_T::inv_inp_t, bits>(sum)];
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        NNET_PRAGMA(HLS UNROLL)
        res[i] = (res_T)(exps[i] * inverse);
    }
}

/// Stable softmax (hls4ml >= 1.2): d_i = inp_norm_t(max - x_i) indexes a table of exp(-d).
template <class data_T, class res_T, typename CONFIG_T>
void softmax_stable(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in]) {
    NNET_PRAGMA(HLS PIPELINE)
    const int exp_bits = ceillog2(CONFIG_T::exp_table_size);
#if defined(__HLS_SYN__) || defined(__SYNTHESIS__)
    bool initialized = false;
    typename CONFIG_T::exp_table_t exp_table[CONFIG_T::exp_table_size];
    typename CONFIG_T::inv_table_t invert_table[CONFIG_T::inv_table_size];
#else
    static bool initialized = false;
    static typename CONFIG_T::exp_table_t exp_table[CONFIG_T::exp_table_size];
    static typename CONFIG_T::inv_table_t invert_table[CONFIG_T::inv_table_size];
#endif
    if (!initialized) {
        for (unsigned k = 0; k < CONFIG_T::exp_table_size; k++) {
            const float v = value_of_top_bits<typename CONFIG_T::inp_norm_t, exp_bits>(k);
            exp_table[k] = (typename CONFIG_T::exp_table_t)std::exp(-v);
        }
        init_softmax_invert_table<CONFIG_T>(invert_table);
        initialized = true;
    }

    op_max<data_T> max;
    const data_T x_max = reduce<data_T, CONFIG_T::n_in, op_max<data_T> >(data, max);

    typename CONFIG_T::accum_t exps[CONFIG_T::n_in];
    NNET_PRAGMA(HLS ARRAY_PARTITION variable=exps complete)
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        NNET_PRAGMA(HLS UNROLL)
        const typename CONFIG_T::inp_norm_t distance = x_max - data[i];
        exps[i] = (typename CONFIG_T::accum_t)exp_table[index_from_top_bits<typename CONFIG_T::inp_norm_t, exp_bits>(distance)];
    }
    softmax_normalize<res_T, CONFIG_T>(exps, res, invert_table);
}

/// Latency softmax: a table of exp(x) indexed directly by the top bits of the (signed) input.
template <class data_T, class res_T, typename CONFIG_T>
void softmax_latency(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in]) {
    NNET_PRAGMA(HLS PIPELINE)
    const int exp_bits = ceillog2(CONFIG_T::exp_table_size);
#if defined(__HLS_SYN__) || defined(__SYNTHESIS__)
    bool initialized = false;
    typename CONFIG_T::exp_table_t exp_table[CONFIG_T::exp_table_size];
    typename CONFIG_T::inv_table_t invert_table[CONFIG_T::inv_table_size];
#else
    static bool initialized = false;
    static typename CONFIG_T::exp_table_t exp_table[CONFIG_T::exp_table_size];
    static typename CONFIG_T::inv_table_t invert_table[CONFIG_T::inv_table_size];
#endif
    if (!initialized) {
        for (unsigned k = 0; k < CONFIG_T::exp_table_size; k++) {
            const float v = value_of_top_bits<data_T, exp_bits>(k);
            exp_table[k] = (typename CONFIG_T::exp_table_t)std::exp(v);
        }
        init_softmax_invert_table<CONFIG_T>(invert_table);
        initialized = true;
    }

    typename CONFIG_T::accum_t exps[CONFIG_T::n_in];
    NNET_PRAGMA(HLS ARRAY_PARTITION variable=exps complete)
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        NNET_PRAGMA(HLS UNROLL)
        exps[i] = (typename CONFIG_T::accum_t)exp_table[index_from_top_bits<data_T, exp_bits>(data[i])];
    }
    softmax_normalize<res_T, CONFIG_T>(exps, res, invert_table);
}

/// Legacy softmax: y_i = 1 / sum_j exp(x_j - x_i) from an exp table over [-8, 8) and an inverse
/// table over [0, 64), both of table_t and table_size entries; sums accumulate in table_t.
template <class data_T, class res_T, typename CONFIG_T>
void softmax_legacy(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in]) {
    const int n = CONFIG_T::table_size;
#if defined(__HLS_SYN__) || defined(__SYNTHESIS__)
    bool initialized = false;
    typename CONFIG_T::table_t exp_table[CONFIG_T::table_size];
    typename CONFIG_T::table_t invert_table[CONFIG_T::table_size];
#else
    static bool initialized = false;
    static typename CONFIG_T::table_t exp_table[CONFIG_T::table_size];
    static typename CONFIG_T::table_t invert_table[CONFIG_T::table_size];
#endif
    if (!initialized) {
        for (int k = 0; k < n; k++) {
            const float v = 16.0 * (k - double(n) / 2.0) / double(n);
            exp_table[k] = (typename CONFIG_T::table_t)std::exp(v);
            const float w = 64.0 * k / double(n);
            invert_table[k] = (typename CONFIG_T::table_t)(w > 0.0f ? 1.0 / w : 0.0);
        }
        initialized = true;
    }
    NNET_PRAGMA(HLS PIPELINE)

    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        typename CONFIG_T::table_t sum = 0;
        for (unsigned j = 0; j < CONFIG_T::n_in; j++) {
            if (i == j) {
                sum = sum + (typename CONFIG_T::table_t)1;
            } else {
                sum = sum + exp_table[uniform_table_index<4, CONFIG_T::table_size, CONFIG_T::table_size / 2>(data[j] - data[i])];
            }
        }
        // trunc0(sum N / 64), clamped; no N/2 offset: the inverse table starts at 0.
        res[i] = (res_T)invert_table[uniform_table_index<6, CONFIG_T::table_size, 0>(sum)];
    }
}

/// Argmax "softmax": 1 at the first index of the maximum, 0 elsewhere.
template <class data_T, class res_T, typename CONFIG_T>
void softmax_argmax(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in]) {
    NNET_PRAGMA(HLS PIPELINE)
    data_T best = data[0];
    unsigned best_index = 0;
    for (unsigned i = 1; i < CONFIG_T::n_in; i++) {
        if (data[i] > best) {
            best = data[i];
            best_index = i;
        }
    }
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        NNET_PRAGMA(HLS UNROLL)
        res[i] = (res_T)(i == best_index ? 1 : 0);
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void softmax(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in]) {
    NNET_PRAGMA(HLS INLINE)
    switch (CONFIG_T::implementation) {
    case softmax_latency_impl: softmax_latency<data_T, res_T, CONFIG_T>(data, res); break;
    case softmax_legacy_impl: softmax_legacy<data_T, res_T, CONFIG_T>(data, res); break;
    case softmax_argmax_impl: softmax_argmax<data_T, res_T, CONFIG_T>(data, res); break;
    default: softmax_stable<data_T, res_T, CONFIG_T>(data, res); break;
    }
}

} // namespace nnet

#endif
"""#

    static let batchnorm = #"""
// hls4swift C++ layer library: BatchNormalization / ApplyAlpha (io_parallel).
#ifndef NNET_BATCHNORM_H_
#define NNET_BATCHNORM_H_

#include "nnet_common.h"

namespace nnet {

struct batchnorm_config {
    static const unsigned n_in = 10;
    static const unsigned io_type = io_parallel;
    static const unsigned reuse_factor = 1;
    static const unsigned multiplier_limit = 10;
    typedef ap_fixed<16, 6> scale_t;
    typedef ap_fixed<16, 6> bias_t;
};

/// y_i = res_T(x_i * scale_i + bias_i): exact product, exact sum, one cast.
template <class data_T, class res_T, typename CONFIG_T>
void normalize(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
               const typename CONFIG_T::scale_t scale[CONFIG_T::n_in],
               const typename CONFIG_T::bias_t bias[CONFIG_T::n_in]) {
    NNET_PRAGMA(HLS PIPELINE II=CONFIG_T::reuse_factor)
    NNET_PRAGMA(HLS function_instantiate variable=scale,bias)
    NNET_PRAGMA(HLS ARRAY_PARTITION variable=scale complete)
    NNET_PRAGMA(HLS ARRAY_PARTITION variable=bias complete)
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        NNET_PRAGMA(HLS UNROLL)
        res[i] = (res_T)(data[i] * scale[i] + bias[i]);
    }
}

} // namespace nnet

#endif
"""#

    static let stream = #"""
// hls4swift C++ layer library: io_stream wrappers. Every tensor travels as one nnet::array pack
// per sample; each layer reads a pack, runs the io_parallel kernel and writes a pack, so io_stream
// computes exactly what io_parallel computes.
#ifndef NNET_STREAM_H_
#define NNET_STREAM_H_

#include "hls_stream.h"
#include "nnet_common.h"
#include "nnet_dense.h"
#include "nnet_activation.h"
#include "nnet_batchnorm.h"

namespace nnet {

template <class pack_T, unsigned N>
void unpack(hls::stream<pack_T> &stream, typename pack_T::value_type values[N]) {
    NNET_PRAGMA(HLS INLINE)
    const pack_T pack = stream.read();
    for (unsigned i = 0; i < N; i++) {
        NNET_PRAGMA(HLS UNROLL)
        values[i] = pack[i];
    }
}

template <class pack_T, unsigned N>
void pack_into(const typename pack_T::value_type values[N], hls::stream<pack_T> &stream) {
    NNET_PRAGMA(HLS INLINE)
    pack_T pack;
    for (unsigned i = 0; i < N; i++) {
        NNET_PRAGMA(HLS UNROLL)
        pack[i] = values[i];
    }
    stream.write(pack);
}

template <class data_T, class res_T, typename CONFIG_T>
void dense(hls::stream<data_T> &data, hls::stream<res_T> &res,
           const typename CONFIG_T::weight_t weights[CONFIG_T::n_in * CONFIG_T::n_out],
           const typename CONFIG_T::bias_t biases[CONFIG_T::n_out]) {
    typename data_T::value_type x[CONFIG_T::n_in];
    NNET_PRAGMA(HLS ARRAY_PARTITION variable=x complete)
    typename res_T::value_type y[CONFIG_T::n_out];
    NNET_PRAGMA(HLS ARRAY_PARTITION variable=y complete)
    unpack<data_T, CONFIG_T::n_in>(data, x);
    dense<typename data_T::value_type, typename res_T::value_type, CONFIG_T>(x, y, weights, biases);
    pack_into<res_T, CONFIG_T::n_out>(y, res);
}

template <class data_T, class res_T, typename CONFIG_T>
void normalize(hls::stream<data_T> &data, hls::stream<res_T> &res,
               const typename CONFIG_T::scale_t scale[CONFIG_T::n_in],
               const typename CONFIG_T::bias_t bias[CONFIG_T::n_in]) {
    typename data_T::value_type x[CONFIG_T::n_in];
    NNET_PRAGMA(HLS ARRAY_PARTITION variable=x complete)
    typename res_T::value_type y[CONFIG_T::n_in];
    NNET_PRAGMA(HLS ARRAY_PARTITION variable=y complete)
    unpack<data_T, CONFIG_T::n_in>(data, x);
    normalize<typename data_T::value_type, typename res_T::value_type, CONFIG_T>(x, y, scale, bias);
    pack_into<res_T, CONFIG_T::n_in>(y, res);
}

// Element-wise activations and softmax: same pattern, one wrapper each.
#define NNET_STREAM_ACTIVATION(NAME)                                                                 \
    template <class data_T, class res_T, typename CONFIG_T>                                          \
    void NAME(hls::stream<data_T> &data, hls::stream<res_T> &res) {                                  \
        typename data_T::value_type x[CONFIG_T::n_in];                                               \
        typename res_T::value_type y[CONFIG_T::n_in];                                                \
        unpack<data_T, CONFIG_T::n_in>(data, x);                                                     \
        NAME<typename data_T::value_type, typename res_T::value_type, CONFIG_T>(x, y);               \
        pack_into<res_T, CONFIG_T::n_in>(y, res);                                                    \
    }

NNET_STREAM_ACTIVATION(linear)
NNET_STREAM_ACTIVATION(relu)
NNET_STREAM_ACTIVATION(sigmoid)
NNET_STREAM_ACTIVATION(tanh)
NNET_STREAM_ACTIVATION(softmax)

#undef NNET_STREAM_ACTIVATION

} // namespace nnet

#endif
"""#

    static let helpers = #"""
// hls4swift C++ layer library: C-simulation helpers (never synthesized).
#ifndef NNET_HELPERS_H_
#define NNET_HELPERS_H_

#ifndef __SYNTHESIS__
#include <cstdio>
#include <cstdlib>
#include <string>

namespace nnet {

/// Fills `weights` from the one-line, comma-separated `<WEIGHTS_DIR>/<file>` written next to the
/// header. Each number is parsed with strtod (correctly rounded) and converted exactly to T,
/// which is what the header's initializer gives the synthesis tool. A missing file or a wrong
/// count stops the simulation: silently zero weights would make every result meaningless.
template <class T, unsigned N> void load_weights_from_txt(T *weights, const char *directory, const char *file) {
    const std::string path = std::string(directory) + "/" + file;
    FILE *stream = std::fopen(path.c_str(), "r");
    if (!stream) {
        std::fprintf(stderr, "error: cannot open weights file %s\n", path.c_str());
        std::exit(2);
    }
    std::string text;
    char buffer[65536];
    size_t got;
    while ((got = std::fread(buffer, 1, sizeof buffer, stream)) > 0) text.append(buffer, got);
    std::fclose(stream);
    const char *cursor = text.c_str();
    unsigned count = 0;
    while (true) {
        while (*cursor == ' ' || *cursor == ',' || *cursor == '\n' || *cursor == '\r' || *cursor == '\t') cursor++;
        if (*cursor == '\0') break;
        char *end = 0;
        const double value = std::strtod(cursor, &end);
        if (end == cursor || count >= N) {
            std::fprintf(stderr, "error: %s: expected %u numbers\n", path.c_str(), N);
            std::exit(2);
        }
        weights[count++] = (T)value;
        cursor = end;
    }
    if (count != N) {
        std::fprintf(stderr, "error: %s holds %u numbers, expected %u\n", path.c_str(), count, N);
        std::exit(2);
    }
}

} // namespace nnet

#endif
#endif
"""#
}
