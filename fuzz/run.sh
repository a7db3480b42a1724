#!/usr/bin/env bash
# The long fuzzing run (docs/fuzzing.md): seeds the corpora from the real payloads, builds every
# target once, then runs them one after the other, SECONDS each (default 600), on one core.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(salary content_range retry_after france_travail_offer adzuna_job)
fi
python3 seed-corpus.py
RUSTC_BOOTSTRAP=1 cargo fuzz build
mkdir -p logs
bin=target/x86_64-unknown-linux-gnu/release
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== $t: $secs s from $(date -u +%FT%TZ)"
  # What `cargo fuzz run $t -- -max_total_time=$secs` runs, without a second cargo invocation.
  if "$bin/$t" -artifact_prefix="artifacts/$t/" -max_total_time="$secs" -rss_limit_mb=4096 \
       -print_final_stats=1 "corpus/$t" >"logs/$t.log" 2>&1; then
    echo "   no finding; $(grep -E '^stat::number_of_executed_units' "logs/$t.log" | awk '{print $2}') executions, ended $(date -u +%FT%TZ)"
  else
    echo "   FINDING: see fuzz/logs/$t.log and fuzz/artifacts/$t/"
  fi
done
