#!/usr/bin/env bash
# scx_llc_fifo's fault options refuse bad values (exit 2, a message naming the
# option) before touching BPF, so this runs on the host.
set -u
bin="$1"
[[ -x "$bin" ]] || { echo "FAIL: $bin missing: run scripts/build-example-scheduler.sh"; exit 1; }
fail=0
expect() {  # expect RC PATTERN ARGS...
  local rc="$1" pat="$2"; shift 2
  out="$("$bin" "$@" 2>&1)"; got=$?
  if [[ $got -ne $rc || "$out" != *"$pat"* ]]; then
    echo "FAIL: scx_llc_fifo $* -> exit $got, output: $out (want exit $rc and '$pat')"; fail=1
  else
    echo "ok: scx_llc_fifo $* -> $rc"
  fi
}
expect 2 "--stall-after: expected seconds in (0, 3600], got 'soon'" --stall-after soon
expect 2 "--stall-after: expected seconds in (0, 3600], got '0'" --stall-after 0
expect 2 "--error-after: expected a count >= 1, got '-5'" --error-after -5
expect 2 "--error-after: expected a count >= 1, got '0'" --error-after 0
expect 2 "Usage:" --no-such-fault
expect 2 "unexpected argument 'extra'" --degrade extra
expect 0 "--fail-verify" --help
exit $fail
