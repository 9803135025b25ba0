#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/*/main.swift) against the Marginal library's sources,
# compiled with -sanitize=fuzzer (coverage instrumentation) into .build/fuzz/lib/libMarginal.a.
# Needs a Swift toolchain that ships libFuzzer (the swift.org Linux toolchains do).
# The library is rebuilt only when a file under Sources/Marginal is newer than it.
# FUZZ_SANITIZE=fuzzer,address adds AddressSanitizer (slower, catches bad pointer use).
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFTC=${SWIFTC:-swiftc}
SANITIZE=${FUZZ_SANITIZE:-fuzzer}
# One build folder per sanitizer set: .build/fuzz (fuzzer), .build/fuzz-address (fuzzer,address).
OUT=.build/fuzz$( [ "$SANITIZE" = fuzzer ] || echo "-${SANITIZE#fuzzer,}" | tr , -)
LIB=$OUT/lib
mkdir -p "$LIB"

includes=(-I Sources/CLapack -I Sources/CNLopt)
for flag in $(pkg-config --cflags-only-I openblas nlopt 2>/dev/null); do includes+=(-Xcc "$flag"); done
libraries=($(pkg-config --libs openblas nlopt) -llapacke)
common=(-swift-version 6 -O -parse-as-library -sanitize="$SANITIZE")

if [ ! -f "$LIB/libMarginal.a" ] || [ -n "$(find Sources/Marginal -name '*.swift' -newer "$LIB/libMarginal.a" -print -quit)" ]; then
  echo "fuzz: compiling the Marginal library (-sanitize=$SANITIZE)"
  mapfile -t sources < <(find Sources/Marginal -name '*.swift' | LC_ALL=C sort)
  "$SWIFTC" "${common[@]}" -wmo -num-threads "$(nproc)" -module-name Marginal \
    -emit-module -emit-module-path "$LIB/Marginal.swiftmodule" \
    -emit-library -static -o "$LIB/libMarginal.a" \
    "${includes[@]}" "${sources[@]}"
fi

# Each target also compiles the checks it shares with FuzzRegressionTests.
shared=Tests/MarginalTests/Support/FuzzShared.swift
for target in CSVFuzz FormulaFuzz; do
  binary=$OUT/$target
  if [ ! -x "$binary" ] || [ "Fuzz/$target/main.swift" -nt "$binary" ] || [ "$shared" -nt "$binary" ] || [ "$LIB/libMarginal.a" -nt "$binary" ]; then
    echo "fuzz: linking $binary"
    "$SWIFTC" "${common[@]}" -I "$LIB" "${includes[@]}" "Fuzz/$target/main.swift" "$shared" \
      -L "$LIB" -lMarginal "${libraries[@]}" -o "$binary"
  fi
done
