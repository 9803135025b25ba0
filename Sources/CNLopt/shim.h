// NLopt's C interface from Debian's libnlopt-dev.
#include <nlopt.h>
