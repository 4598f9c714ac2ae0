# Shared by the scripts in scripts/: messages, root, and Debian packages.
# Source it; it defines functions only.

say() { printf '\n=== %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ensure_packages PKG...: installs with apt-get whatever of PKG is missing,
# running `apt-get update` first only when something is.
ensure_packages() {
    local p missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing="$missing $p"
    done
    [ -n "$missing" ] || return 0
    say "installing:$missing"
    as_root apt-get update -qq
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

# count_regress LOG SUITE [DIR]: adds the "test NAME ... ok|FAILED" lines of a
# pg_regress or pg_isolation_regress run to $passed and $failed, and on
# failure prints the head of the diffs found under DIR (default: here) and
# keeps a copy in $LOG.  A run with no test line at all counts as a failure.
count_regress() {
    local out=$1 suite=$2 dir=${3:-.} ok bad d
    ok=$(grep -cE '^(ok|test) .*\.\.\. ok|^ok [0-9]+ ' "$out")
    bad=$(grep -E '^(not ok|test) ' "$out" | grep -cE 'FAILED|failed|^not ok')
    passed=$((passed + ok)); failed=$((failed + bad))
    grep -E '^(ok|not ok|test) ' "$out" | sed 's/^/  /'
    if [ "$bad" -gt 0 ] || [ "$ok" -eq 0 ]; then
        [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ] && failed=$((failed + 1))
        failures+=("$suite")
        for d in "$dir/regression.diffs" "$dir/output_iso/regression.diffs"; do
            [ -s "$d" ] && { cp "$d" "$LOG/$suite.diffs"; echo "  --- $d (head)"; head -60 "$d" | sed 's/^/  /'; }
        done
        tail -20 "$out" | sed 's/^/  | /'
    fi
}
