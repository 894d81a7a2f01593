#ifndef FEEGATE_CZLIB_SHIM_H
#define FEEGATE_CZLIB_SHIM_H
#include <zlib.h>
#endif
