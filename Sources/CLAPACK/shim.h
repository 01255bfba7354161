// CBLAS and LAPACKE from Debian's libopenblas-dev + liblapacke-dev.
// Complex LAPACKE types are declared as plain structs so Swift can import the header
// (LAPACK 3.11 otherwise uses C99 _Complex, which Swift cannot import).
#ifndef LATTICEFF_CLAPACK_SHIM_H
#define LATTICEFF_CLAPACK_SHIM_H
typedef struct { float real, imag; } lapack_complex_float_struct;
typedef struct { double real, imag; } lapack_complex_double_struct;
#define lapack_complex_float lapack_complex_float_struct
#define lapack_complex_double lapack_complex_double_struct
#include <cblas.h>
#include <lapacke.h>
#endif
