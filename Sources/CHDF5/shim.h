// libhdf5 (serial). pkg-config (hdf5.pc) supplies the include and library paths.
// HDF5's native type ids are macros over globals that Swift cannot import; these inline
// functions expose them.
#include <hdf5.h>

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
