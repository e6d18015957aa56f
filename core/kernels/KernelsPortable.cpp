// The CPU kernels in portable code (ATen's generic Vectorized: plain loops), for any x86-64.
#include "kernels/KernelTable.h"

FLOWPP_KERNEL_TABLE(portable, "portable")
