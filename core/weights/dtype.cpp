#include "weights/dtype.h"
