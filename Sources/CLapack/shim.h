// BLAS (CBLAS interface) and LAPACK (LAPACKE interface) from Debian's
// libopenblas-dev and liblapacke-dev.
#include <cblas.h>
#include <lapacke.h>
