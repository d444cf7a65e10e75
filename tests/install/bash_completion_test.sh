#!/usr/bin/env bash
# bash_completion_test.sh COMPLETION_FILE: sources the completion and asks it
# what a user pressing TAB would get, with a fake ktstr-run on PATH whose
# `kernel list --json` names two cached kernels.
set -uo pipefail
file=$1
fails=0
work=$(mktemp -d /tmp/ktstr-completion.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/cwd/specs"
touch "$work/cwd/specs/a.toml" "$work/cwd/specs/b.toml"
cat >"$work/bin/ktstr-run" <<'FAKE'
#!/bin/sh
if [ "$1 $2 $3" = "kernel list --json" ]; then
  printf '[\n  {\n    "default": false,\n    "label": "6.12.117-cloud",\n    "version": "6.12.117"\n  },\n'
  printf '  {\n    "label": "6.12.117-scx-b03192c9"\n  }\n]\n'
fi
FAKE
chmod +x "$work/bin/ktstr-run"
export PATH="$work/bin:$PATH"
cd "$work/cwd" || exit 1
# shellcheck disable=SC1090
source "$file"
[[ "$(complete -p ktstr-run 2>/dev/null)" == *"-F _ktstr_run"* ]] || { echo "FAIL: no completion registered"; exit 1; }

# complete WORDS...: the candidates for the last word (the word being typed).
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _ktstr_run ktstr-run "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() {  # expect "WANTED" WORDS...
  local want=$1
  shift
  local got
  got=$(complete_words "$@")
  if [[ "$got" == "$want" ]]; then
    echo "ok: '$*' -> $got"
  else
    echo "FAIL: '$*': expected '$want', got '$got'"
    fails=$((fails + 1))
  fi
}
expect_has() {  # expect_has WORD WORDS...: WORD is among the candidates
  local want=$1
  shift
  local got
  got=$(complete_words "$@")
  if [[ " $got " == *" $want "* ]]; then
    echo "ok: '$*' offers $want"
  else
    echo "FAIL: '$*': expected $want among '$got'"
    fails=$((fails + 1))
  fi
}

expect "check" ktstr-run ch
expect "kernel" ktstr-run ke
expect_has "reeval" ktstr-run ""
expect_has "specs" ktstr-run ""                       # paths too: `ktstr-run specs/` runs them
expect "--repeat --reporter --retries --run-dir --run-ignored" ktstr-run run --r
expect "fail pass warn" ktstr-run run --no-tests ""
expect "-E" ktstr-run run specs -E
expect "--partition" ktstr-run run --part
expect "--gauntlet" ktstr-run run --gau
expect "--budget" ktstr-run run --bud
expect "" ktstr-run run --budget ""                     # a number: nothing to offer
expect "--gauntlet" ktstr-run list --g
expect "--kernel" ktstr-run specs --ker             # no subcommand: run's options
expect "6.12.117-cloud 6.12.117-scx-b03192c9" ktstr-run run --kernel 6.
expect "6.12.117-scx-b03192c9" ktstr-run run --kernel 6.12.117-s
expect "json text" ktstr-run check --format ""
expect "auto kvm tcg" ktstr-run run --accel ""
expect "json= junit=" ktstr-run run --reporter j
expect "count: hash:" ktstr-run run --partition ""
expect "" ktstr-run run -E ""                          # an expression: nothing to offer
expect "specs/a.toml specs/b.toml" ktstr-run check specs/
expect "--format" ktstr-run check --fo
expect "build clean fetch list" ktstr-run kernel ""
expect "--config-fragment" ktstr-run kernel build --con
expect "6.12.117-cloud 6.12.117-scx-b03192c9" ktstr-run kernel clean 6
expect "--json" ktstr-run list --j
expect "--set" ktstr-run reeval run-1 --se
expect "compare" ktstr-run stats ""
expect "verifier" ktstr-run veri
expect "--all-profiles" ktstr-run verifier --all
expect "--baseline" ktstr-run verifier specs --base
expect "" ktstr-run verifier --scheduler ""              # a scheduler name: free text
expect "6.12.117-scx-b03192c9" ktstr-run verifier --kernel 6.12.117-s
expect "specs/a.toml specs/b.toml" ktstr-run verifier specs/

if ((fails)); then
  echo "$fails completion(s) wrong"
  exit 1
fi
echo "bash completion: OK"
