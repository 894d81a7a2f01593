#ifndef FEEGATE_CQRENCODE_SHIM_H
#define FEEGATE_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
