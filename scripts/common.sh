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

# shadow_install SHADOW: a private installation of PostgreSQL under the
# directory SHADOW, for a server that must load a differently built
# usertrack.so (sanitize.sh, fuzz.sh) without touching the real one, which
# other test runs may be using.  Everything of the real installation is
# linked in, except usertrack's files, which come from
# `make install DESTDIR=SHADOW`, and the postgres and pg_ctl binaries, which
# are copied: PostgreSQL resolves symbolic links before it derives $libdir
# and the share directory from its own path.  Needs PGBIN, PKGLIBDIR and
# SHAREDIR.
shadow_install() {
    local shadow=$1
    mkdir -p "$shadow$PGBIN" "$shadow$PKGLIBDIR" "$shadow$SHAREDIR/extension"
    cp "$PGBIN/postgres" "$PGBIN/pg_ctl" "$shadow$PGBIN/"
    _link_missing "$PKGLIBDIR" "$shadow$PKGLIBDIR"
    _link_missing "$SHAREDIR" "$shadow$SHAREDIR"
    _link_missing "$SHAREDIR/extension" "$shadow$SHAREDIR/extension"
    chmod -R a+rX "$shadow"    # the server user reads it
}
_link_missing() {
    local from=$1 to=$2 f
    for f in "$from"/*; do
        case "$(basename "$f")" in usertrack.so|usertrack--*|usertrack.control) continue ;; esac
        [ -e "$to/$(basename "$f")" ] || ln -s "$f" "$to/"
    done
}

# asan_init_first_shim OUT.so: builds the library that must be preloaded
# after an ASan runtime into Debian's (uninstrumented) postgres.  Preloaded
# into such a program, the ASan runtime initializes on the first malloc.  In
# postgres that is inside libgpg-error's constructor, which holds glibc's
# gettext lock; the runtime's initialization calls dlerror(), which takes
# that lock again and leaves it corrupt, and postgres then hangs in its own
# bindtextdomain().  This library, marked to be initialized before every
# other (-z initfirst), makes the first malloc.
asan_init_first_shim() {
    local out=$1
    cat >"${out%.so}.c" <<'SHIM'
#include <stdlib.h>

__attribute__((constructor)) static void
asan_init_first(void)
{
	void	   *volatile p = malloc(1);

	free(p);
}
SHIM
    gcc -O1 -fPIC -shared -Wl,-z,initfirst -o "$out" "${out%.so}.c" && chmod a+r "$out"
}

# --- for the scripts that run a private server (sanitize.sh, fuzz.sh) -------

# pass NAME / fail NAME: one test's result, counted in $passed / $failed
pass() { passed=$((passed + 1)); echo "  ok      $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "  FAILED  $1"; }

# give_up MESSAGE [LOG]: a setup step failed; counts one failure and ends
give_up() {
    echo "  $1"
    [ -n "${2:-}" ] && [ -f "$2" ] && tail -30 "$2" | sed 's/^/  | /'
    failed=$((failed + 1))
    echo "$passed passed, $failed failed"
    exit 1
}

# server_user: SERVER_USER and as_server, which runs a command as the user
# the server runs as (the server refuses root; as root that is "postgres")
server_user() {
    if [ "$(id -u)" = 0 ]; then
        SERVER_USER=postgres
        as_server() { runuser -u "$SERVER_USER" -- "$@"; }
    else
        SERVER_USER=$(id -un)
        as_server() { "$@"; }
    fi
}

# copy_tree DEST: this tree's sources, without build products, logs and
# the test programs' binaries, for a build of its own
copy_tree() {
    mkdir -p "$1"
    tar -C "$ROOT" --exclude=./.git --exclude='*.o' --exclude='*.bc' --exclude='*.so' \
        --exclude=./results --exclude=./output_iso --exclude=./tmp_check --exclude=./log \
        --exclude=./test-logs --exclude='./regression.*' --exclude=./test/difftest \
        --exclude=./test/listen_alerts --exclude=./test/sdk/node_modules \
        -cf - . | tar -C "$1" -xf -
}
