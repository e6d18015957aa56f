// jemalloc's settings for the programs that link it (CMake: FLOWPP_JEMALLOC). With glibc's malloc a
// training step's thousands of short-lived activations fragment the heap: at BENCH-S, batch 32, the
// peak resident memory was ~1,015 MiB for ~720 MiB of live tensors; jemalloc's size classes reuse
// freed blocks (~760 MiB). Freed pages are kept, not returned to the system as they age
// (dirty/muzzy decay off) and large blocks stay in the ordinary arenas (oversize_threshold:0):
// returning them made every reuse fault its pages in again, ~20% slower training. Its memory is
// backed by transparent huge pages (thp:always; glibc's heap gets none where the kernel's THP mode
// is "madvise", Debian's default): no-attention training 29 images/s against 23-26 without.
// Memory is given back explicitly after a training run (releaseFreeMemory in util/Runtime.h).
extern "C" {
// The name and type jemalloc reads at start-up.
const char* malloc_conf = "oversize_threshold:0,dirty_decay_ms:-1,muzzy_decay_ms:-1,thp:always";
}
