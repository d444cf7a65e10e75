# Bash completion for ktstr-run. Installed as
# share/bash-completion/completions/ktstr-run (loaded on demand by the
# bash-completion package); or source this file from ~/.bashrc.
#
# Completes subcommands, each subcommand's options, the values of options
# that take a fixed set (--format, --accel, --reporter, --partition), cached
# kernel labels for --kernel (from `ktstr-run kernel list --json`), and paths
# everywhere else. Without a subcommand, arguments are those of `run` (the
# default command).

# The labels of the kernel cache, one per line (nothing if the command fails).
_ktstr_run_kernel_labels() {
  "${1:-ktstr-run}" kernel list --json 2>/dev/null |
    sed -n 's/^    "label": "\([^"]*\)",\{0,1\}$/\1/p'
}

# Adds the words of $1 that start with $cur to COMPREPLY.
_ktstr_run_words() {
  local w
  while IFS= read -r w; do
    [[ -n "$w" ]] && COMPREPLY+=("$w")
  done < <(compgen -W "$1" -- "$cur")
}

# Adds file names (or, with -d, directories) that start with $cur.
_ktstr_run_paths() {
  local p
  while IFS= read -r p; do
    COMPREPLY+=("$p")
  done < <(compgen -f ${1:+"$1"} -- "$cur")
  [[ ${#COMPREPLY[@]} -gt 0 ]] && compopt -o filenames 2>/dev/null
  return 0
}

_ktstr_run() {
  local cur prev prog="${COMP_WORDS[0]}"
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev=""
  ((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD - 1]}"
  COMPREPLY=()

  local commands="run check list explain plugins kernel reeval stats merge verifier"
  local spec_opts="--set --plugin-path"
  local run_opts="--kernel --accel -f --filter -E --filter-expr --set --plugin-path --run-dir
    --run-ignored --list --gauntlet --budget --no-tests --repeat --retries --fail-fast --partition
    --shuffle --seed
    -j --jobs --reporter -v --verbose -h --help"

  # The subcommand (and kernel's or stats' verb): the first words not options.
  local cmd="" sub="" i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    if [[ -z "$cmd" ]]; then
      if [[ " $commands " == *" $w "* ]]; then cmd="$w"; else cmd="run"; break; fi
    elif [[ ("$cmd" == kernel || "$cmd" == stats) && -z "$sub" ]]; then
      sub="$w"
    fi
  done

  # Values of options.
  case "$prev" in
    --kernel)
      _ktstr_run_words "$(_ktstr_run_kernel_labels "$prog")"
      _ktstr_run_paths
      return 0
      ;;
    --accel)
      _ktstr_run_words "auto kvm tcg"
      return 0
      ;;
    --format)
      _ktstr_run_words "text json"
      return 0
      ;;
    --no-tests)
      _ktstr_run_words "fail warn pass"
      return 0
      ;;
    --reporter)
      compopt -o nospace 2>/dev/null
      _ktstr_run_words "junit= json="
      return 0
      ;;
    --partition)
      compopt -o nospace 2>/dev/null
      _ktstr_run_words "hash: count:"
      return 0
      ;;
    --run-dir | --plugin-path | --source | --baseline)
      _ktstr_run_paths -d
      return 0
      ;;
    --config-fragment)
      _ktstr_run_paths
      return 0
      ;;
    -f | --filter | -E | --filter-expr | --set | -j | --jobs | --repeat | --retries | --seed | --budget \
      | --scheduler)
      return 0 # free text
      ;;
  esac

  if [[ -z "$cmd" && "$cur" != -* ]]; then
    _ktstr_run_words "$commands"
    _ktstr_run_paths
    return 0
  fi

  local opts=""
  case "${cmd:-run}" in
    run) opts="$run_opts" ;;
    check) opts="--format --load $spec_opts -h --help" ;;
    list) opts="--json --gauntlet -v --verbose $spec_opts -h --help" ;;
    explain) opts="--json $spec_opts -h --help" ;;
    plugins) opts="--json --load --plugin-path -h --help" ;;
    reeval) opts="--set -v --verbose -h --help" ;;
    merge) opts="-h --help" ;;
    verifier)
      opts="--scheduler --all-profiles --kernel --accel --run-dir --baseline -j --jobs -v --verbose
        -h --help"
      ;;
    stats)
      if [[ -z "$sub" ]]; then
        _ktstr_run_words "compare"
        return 0
      fi
      opts="-h --help"
      ;;
    kernel)
      case "$sub" in
        "") _ktstr_run_words "list fetch build clean"; return 0 ;;
        list) opts="--json -h --help" ;;
        fetch) opts="-h --help" ;;
        build) opts="--source --config-fragment -j --jobs --in-tree --force -h --help" ;;
        clean)
          [[ "$cur" != -* ]] && _ktstr_run_words "$(_ktstr_run_kernel_labels "$prog")"
          opts="--all --work -h --help"
          ;;
      esac
      [[ "$cur" == -* || "$sub" == clean ]] && _ktstr_run_words "$opts"
      return 0
      ;;
  esac
  if [[ "$cur" == -* ]]; then
    _ktstr_run_words "$opts"
  else
    _ktstr_run_paths
  fi
  return 0
}

complete -F _ktstr_run ktstr-run
