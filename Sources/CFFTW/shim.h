// FFTW 3 (double precision) from Debian's libfftw3-dev.
#ifndef LATTICEFF_CFFTW_SHIM_H
#define LATTICEFF_CFFTW_SHIM_H
#include <fftw3.h>
#endif
