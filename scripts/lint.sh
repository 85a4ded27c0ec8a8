#!/usr/bin/env bash
# make lint: cppcheck and clang-tidy on the C sources, shellcheck on the shell
# scripts and bash completions. Any finding fails.
set -euo pipefail
cd "$(dirname "$0")/.."

src=(lib/*.c cmd/*.c)
read -ra pkgflags <<<"$(pkg-config --cflags blkid libcap mount)"
cflags=(-std=gnu11 -D_GNU_SOURCE "${pkgflags[@]}")
status=0

echo "lint: cppcheck"
cppcheck --quiet --error-exitcode=1 --inline-suppr \
    --enable=warning,portability,performance \
    --suppress=missingIncludeSystem --std=c11 -D__linux__ -D__x86_64__ \
    "${src[@]}" || status=1

echo "lint: clang-tidy"
checks='clang-analyzer-*,bugprone-*,-bugprone-easily-swappable-parameters,'
checks+='-bugprone-reserved-identifier,-bugprone-narrowing-conversions,'
checks+='-bugprone-assignment-in-if-condition,'
checks+='-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,'
checks+='-clang-analyzer-security.insecureAPI.strcpy,-bugprone-implicit-widening-of-multiplication-result'
for f in "${src[@]}"; do
    clang-tidy --quiet --checks="$checks" --warnings-as-errors='*' "$f" -- "${cflags[@]}" \
        2>/dev/null || status=1
done

echo "lint: lib/ prints nothing and knows no tool"
# Code lines only: a comment may well say "stdout".
code_lines() { grep -nvE '^[[:space:]]*(/?\*|//)' "$1" || true; }
printers='\b(printf|vprintf|fprintf|vfprintf|dprintf|puts|fputs|putchar|putc|fputc|perror|fwrite|psignal)[[:space:]]*\(|\b(stdout|stderr)\b|\bSTD(OUT|ERR)_FILENO\b'
tools=$(sed -n 's/^TOOL.[a-z0-9_]*, *"\([^"]*\)".*/\1/p' cmd/tools.h | paste -sd'|')
for f in lib/*.c lib/*.h; do
    case $f in lib/msg.[ch] | lib/out.[ch]) ;; *)
        if code_lines "$f" | grep -E "$printers"; then
            echo "lint: $f writes output: lib/ returns -errno and cmd/ speaks" >&2
            status=1
        fi ;;
    esac
    if code_lines "$f" | grep -E "\b($tools)\b"; then
        echo "lint: $f names a tool: lib/ never knows one" >&2
        status=1
    fi
done

echo "lint: shellcheck"
shopt -s nullglob
scripts=(scripts/*.sh .ci/run tests/run-checks tests/bench/*.sh tests/vm/check-v[m] tests/vm/*.sh
    tests/vm/scenarios/*.sh completions/bash/* initramfs/hook)
shellcheck -S warning -x "${scripts[@]}" || status=1
shellcheck -S warning -s bash -e SC2034,SC2154,SC1091,SC2030,SC2031,SC2164 tests/*.bash tests/*.bats || status=1

[ $status -eq 0 ] && echo "lint: clean"
exit $status
