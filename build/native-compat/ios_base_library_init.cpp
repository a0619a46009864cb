// Provides std::ios_base_library_init(), which libstdc++ 13+ exports (GLIBCXX_3.4.32) and which
// TorchSharp's native wrapper was linked against. Older libstdc++ (Debian 12 ships GCC 12's) lacks
// it, so libLibTorchSharp.so fails to load. The real function only makes sure the standard streams
// are initialised, which constructing a std::ios_base::Init does on every libstdc++ version.
#include <ios>

namespace std {
void ios_base_library_init() {
    static ios_base::Init init;
    (void)init;
}
}
