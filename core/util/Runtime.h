#pragma once
// Process-wide compute settings that every Flow++ program makes before its first torch call:
//  - torch's intra-op pool uses all cores (Debian's LibTorch starts with one thread);
//  - the BLAS library's own threads are set to one. Torch already runs its BLAS calls from its
//    pool, and Debian's pthread OpenBLAS would otherwise start its own threads on top (measured:
//    up to 2.9x slower). Found at run time, whichever library the libblas.so.3 alternative is;
//  - denormals are flushed to zero: attention softmax weights underflow to denormals, which slow
//    CPU matrix products about 3x.
#include <string>

namespace flowpp {

struct RuntimeInfo {
  std::string blas;        // e.g. "OpenBLAS 0.3.21 (pthread)", or the library's file name
  int blasThreads = -1;    // the BLAS library's own thread count (-1: cannot be read)
  int torchThreads = 1;    // torch intra-op threads
  int interopThreads = 1;  // torch inter-op threads
  std::string allocator;   // "jemalloc 5.3.0-..." when the program links it (app/Allocator.cpp), else "glibc"
};

// threads <= 0: all cores. Returns what is in effect. Call again to change the thread count.
RuntimeInfo configureRuntime(int threads = 0);
RuntimeInfo runtimeInfo();

// Runs torch's operations on the calling thread alone, leaving other threads' settings as they are:
// for threads that run many tiny operations side by side (the playground trains two flows on two
// threads), where an OpenMP team per thread would oversubscribe the cores (measured 2.9x slower).
void useOneTorchThreadHere();

// Gives the memory malloc holds but no longer uses back to the system (jemalloc's purge, or glibc's
// malloc_trim): after a training run, so that a long-lived program does not keep its peak.
void releaseFreeMemory();

// Sets the BLAS library's own thread count (returns false when the library offers no way to).
bool setBlasThreads(int threads);

}  // namespace flowpp
