#!/usr/bin/env bash
# Runs every fuzz target of the repository (the one package in fuzz/, every target it lists) for a bounded time
# from its committed corpus, on stable Rust, and fails on any crash. See docs/fuzzing.md.
#
#   bash fuzz/smoke.sh                 # 30 s per target
#   FUZZ_SECONDS=300 bash fuzz/smoke.sh
#
# - Stable Rust: targets are built with `--sanitizer none`, which needs no nightly flag. Our crates forbid
#   `unsafe`, so what a fuzzer finds here is a panic (assertion, overflow, index, unwrap), a stack overflow, a
#   leak past the RSS limit or a hang, all of which libFuzzer reports without AddressSanitizer.
# - One build of every target (one cargo invocation, in target/fuzz under the ignored /target): the targets
#   share one resolution of their dependencies, which compile once and are reused by every later run.
# - The committed corpus is only read: new inputs go to a temporary directory, listed first so libFuzzer
#   writes there, and crash inputs too. The work tree is the same after the run as before it.
# - CPU: each build and each fuzzer runs under `nice -n 19`, one fuzzer at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

seconds="${FUZZ_SECONDS:-30}"
# FUZZ_DEV=1 builds without optimisation (`cargo fuzz --dev`): about half the build time for a smoke run of a
# few seconds per target, where fewer executions matter less than CI's 30-minute budget. Debug assertions and
# overflow checks are on either way.
profile=""
if [ "${FUZZ_DEV:-0}" = 1 ]; then
  profile="--dev"
fi
export CARGO_TARGET_DIR="$root/target/fuzz"
# Release builds with debug assertions (cargo-fuzz's default); incremental caches would only cost disk.
export CARGO_INCREMENTAL=0

# Largest input libFuzzer generates, per target: enough for each parser's limits (see docs/fuzzing.md).
max_len() {
  case "$1" in
    smtp_session | message_ingest | spam_verdict | jmap_request | sanitize_html) echo 65536 ;;
    command_parser) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  nice -n 19 cargo install cargo-fuzz --locked
fi

before="$(git status --porcelain 2>/dev/null || true)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

build_start=$SECONDS
echo "==> building every target"
nice -n 19 cargo fuzz build --sanitizer none $profile
echo "==> built in $((SECONDS - build_start)) s"

failed=()
summary=()
mapfile -t targets < <(cargo fuzz list)
for target in "${targets[@]}"; do
  echo "==> fuzzing $target for ${seconds} s"
  new_corpus="$work/corpus/$target"
  artifacts="$work/artifacts/$target"
  corpus="$root/fuzz/corpus/$target"
  mkdir -p "$new_corpus" "$artifacts" "$corpus"
  log="$work/$target.log"
  status=0
  nice -n 19 cargo fuzz run --sanitizer none $profile "$target" "$new_corpus" "$corpus" -- \
    -max_total_time="$seconds" -timeout=60 -max_len="$(max_len "$target")" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  line="$target: ${runs:-?} executions (${speed:-?}/s)"
  if [ "$status" -ne 0 ]; then
    line="$line FAILED (exit $status)"
    failed+=("$target")
    tail -n 60 "$log" >&2
    for crash in "$artifacts"/*; do
      [ -f "$crash" ] || continue
      echo "crash input $(basename "$crash") (base64):" >&2
      base64 "$crash" >&2
    done
  fi
  echo "$line"
  summary+=("$line")
done

after="$(git status --porcelain 2>/dev/null || true)"
if [ "$before" != "$after" ]; then
  echo "the smoke run changed the work tree:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  failed+=("work tree")
fi

echo
echo "==> fuzz smoke summary (${seconds} s per target)"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
