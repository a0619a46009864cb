# Sourced by ./tunesharp and bench/run (bash). TuneSharp runs markedly faster and smaller with tcmalloc than with
# glibc's malloc, which returns every tensor buffer above 32 MiB to the kernel and pages it in again on the next
# step (measured: 2.3x at length 512; see src/TuneSharp/Planning/NativeAllocator.cs). An allocator can only be
# chosen before the process starts, hence LD_PRELOAD here. TUNESHARP_ALLOCATOR=system keeps glibc's.

tcmalloc_candidates=(
    /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
    /usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4
    /usr/lib64/libtcmalloc_minimal.so.4
    /usr/lib/libtcmalloc_minimal.so.4
)

# Prints the first installed tcmalloc library, or nothing.
tunesharp_tcmalloc_path() {
    local lib
    for lib in "${tcmalloc_candidates[@]}"; do
        if [[ -f "$lib" ]]; then
            echo "$lib"
            return 0
        fi
    done
    return 0
}

# Installs Debian's libtcmalloc-minimal4 when it is missing and this is root on a machine with apt-get; never fails.
tunesharp_install_tcmalloc() {
    [[ "${TUNESHARP_ALLOCATOR:-}" == system || "$(uname -s)" != Linux ]] && return 0
    [[ -n "$(tunesharp_tcmalloc_path)" ]] && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "tunesharp: installing tcmalloc (libtcmalloc-minimal4) for faster training..." >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtcmalloc-minimal4 >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtcmalloc-minimal4 >/dev/null 2>&1; } \
            || echo "tunesharp: could not install libtcmalloc-minimal4; running with glibc's allocator" >&2
    fi
    return 0
}

# Puts tcmalloc into LD_PRELOAD when it is installed, unless the user chose otherwise.
tunesharp_use_tcmalloc() {
    [[ "${TUNESHARP_ALLOCATOR:-}" == system ]] && return 0
    [[ "${LD_PRELOAD:-}" == *malloc* ]] && return 0 # an allocator the user preloads already
    local lib
    lib="$(tunesharp_tcmalloc_path)"
    [[ -n "$lib" ]] && export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
    return 0
}
