// OpenBLAS's C interface. pkg-config (openblas.pc) supplies the include path.
#include <cblas.h>
