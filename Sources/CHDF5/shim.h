// libhdf5 (serial). pkg-config (hdf5.pc) supplies the include and library paths.
// HDF5's native type ids and open flags are macros over globals (or calls) that Swift cannot
// import; these inline functions expose them.
#include <hdf5.h>
#include <string.h>

static inline hid_t hs_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t hs_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t hs_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t hs_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t hs_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t hs_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t hs_c_s1(void) { return H5T_C_S1; }
static inline hid_t hs_file_access_default(void) { return H5P_DEFAULT; }
static inline hid_t hs_space_all(void) { return H5S_ALL; }
static inline size_t hs_string_variable_length(void) { return H5T_VARIABLE; }

// Little-endian file types (what h5py/Keras write on x86).
static inline hid_t hs_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t hs_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t hs_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t hs_std_i64le(void) { return H5T_STD_I64LE; }

// File open/create flags.
static inline unsigned hs_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned hs_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned hs_acc_trunc(void) { return H5F_ACC_TRUNC; }

/// A file-access property list for new files in the HDF5 1.8 format: attributes larger than
/// 64 KiB (a big Keras `model_config`) then go to dense storage instead of failing. Close it with H5Pclose.
static inline hid_t hs_file_access_v18(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0) H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
    return fapl;
}

/// Stops libhdf5 printing its error stack to stderr; failures are reported as Swift errors instead.
static inline void hs_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/// Collects the descriptions of the current error stack (innermost first), "; "-separated.
static inline herr_t hs_error_walker(unsigned n, const H5E_error2_t *err, void *data) {
    char *buffer = (char *)data;
    size_t used = strlen(buffer);
    const char *desc = (err && err->desc) ? err->desc : "";
    if (used + strlen(desc) + 3 >= 1024) return 0;
    if (used > 0) strcat(buffer, "; ");
    strcat(buffer, desc);
    (void)n;
    return 0;
}

/// Writes the current error stack's messages into `buffer` (1024 bytes) and clears the stack.
static inline void hs_last_error(char *buffer) {
    buffer[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, hs_error_walker, buffer);
    H5Eclear2(H5E_DEFAULT);
}

/// Frees memory that libhdf5 allocated (e.g. compound member names).
static inline void hs_free(void *pointer) { H5free_memory(pointer); }
