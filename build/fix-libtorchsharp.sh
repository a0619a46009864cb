#!/usr/bin/env bash
# Makes TorchSharp's native wrapper (libLibTorchSharp.so) load on systems whose libstdc++ predates
# GLIBCXX_3.4.32 (GCC 13), such as Debian 12. Called by the build (build/TuneSharp.targets) on every
# output folder that holds the library; does nothing where the system libstdc++ is new enough or the
# file is already patched. Usage: fix-libtorchsharp.sh <build-output-folder>
# Every libLibTorchSharp.so below the folder (TorchSharp copies it to runtimes/<rid>/native and cpu/)
# is patched, with the shim placed beside it.
set -euo pipefail

root="${1:?usage: fix-libtorchsharp.sh <folder>}"
shim_name="libtunesharp_iosinit.so"
version="GLIBCXX_3.4.32"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

[[ "$(uname -s)" == "Linux" ]] || exit 0

fail() { echo "error TUNESHARP001: TorchSharp native fix: $*" >&2; exit 1; }

# Which libstdc++ the loader will pick.
stdcxx="$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')"
[[ -n "$stdcxx" ]] || stdcxx="$(ls /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6 2>/dev/null | head -1 || true)"
[[ -n "$stdcxx" ]] || fail "cannot find the system libstdc++.so.6"

if grep -qa "$version" "$stdcxx"; then exit 0; fi            # new libstdc++: nothing to do

has_tool() { command -v "$1" >/dev/null 2>&1; }
needed() { readelf -d "$1" 2>/dev/null | grep -q "NEEDED.*\[$shim_name\]"; }

mapfile -t libs < <(find "$root" -maxdepth 5 -name libLibTorchSharp.so -type f 2>/dev/null)
todo=()
for lib in "${libs[@]}"; do
    if needed "$lib" && [[ -f "$(dirname "$lib")/$shim_name" ]]; then continue; fi   # already patched
    todo+=("$lib")
done
[[ ${#todo[@]} -gt 0 ]] || exit 0

if ! has_tool patchelf; then
    if [[ "$(id -u)" == "0" ]] && has_tool apt-get; then
        echo "TuneSharp: installing patchelf (needed to make TorchSharp load with this libstdc++)..." >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf >/dev/null 2>&1 \
          || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf >/dev/null 2>&1; } \
          || true
    fi
    has_tool patchelf || fail "'patchelf' is required because $stdcxx lacks $version. Install it: sudo apt-get install patchelf"
fi
has_tool g++ || fail "'g++' is required to build the libstdc++ compatibility shim. Install it: sudo apt-get install g++"
has_tool gcc || fail "'gcc' is required. Install it: sudo apt-get install gcc"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
g++ -shared -fPIC -O2 -o "$work/$shim_name" "$here/native-compat/ios_base_library_init.cpp" \
    || fail "compiling the compatibility shim failed"
gcc -O2 -o "$work/mark_version_weak" "$here/native-compat/mark_version_weak.c" \
    || fail "compiling mark_version_weak failed"

for lib in "${todo[@]}"; do
dir="$(dirname "$lib")"
cp "$lib" "$work/lib.so"
patchelf --clear-symbol-version _ZSt21ios_base_library_initv "$work/lib.so" || fail "patchelf --clear-symbol-version failed on $lib"
patchelf --add-needed "$shim_name" "$work/lib.so" || fail "patchelf --add-needed failed on $lib"
"$work/mark_version_weak" "$work/lib.so" "$version" || fail "could not mark $version weak in $lib"
# RUNPATH already starts with $ORIGIN in the shipped file; make sure it does after patching too.
if ! readelf -d "$work/lib.so" | grep -qE 'R(UN)?PATH.*\$ORIGIN'; then
    patchelf --set-rpath '$ORIGIN' "$work/lib.so" || fail "patchelf --set-rpath failed"
fi
cp "$work/$shim_name" "$dir/$shim_name"
# Replace atomically so a concurrent build never sees a half-written library.
cp "$work/lib.so" "$lib.tmp.$$" && mv -f "$lib.tmp.$$" "$lib"
echo "TuneSharp: patched $lib for $stdcxx (no $version)"
done
