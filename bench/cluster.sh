# bench/cluster.sh: sourced by the bench scripts.  run_in_cluster SCRIPT
# [OPTION...] re-runs SCRIPT with --inside in a throw-away PostgreSQL 15
# cluster (pg_virtualenv -t) with the settings every benchmark shares:
# shared_buffers a quarter of memory (128MB to 4GB, or $SHARED_BUFFERS), a
# large max_wal_size so that checkpoints stay rare, work_mem for in-memory
# hashing, fsync off unless FSYNC=on.  Extra OPTIONs (-o name=value) are
# added.  It refuses to start when the extension is not installed.
run_in_cluster() {
    local script=$1
    shift
    local pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
    if [[ ! -f "$("$pg_config" --sharedir)/extension/usertrack.control" ]]; then
        echo "usertrack is not installed: run 'make install' (or bash scripts/demo.sh) first" >&2
        exit 1
    fi
    local mem_mb sb_mb
    mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
    sb_mb=$((mem_mb / 4))
    ((sb_mb > 4096)) && sb_mb=4096
    ((sb_mb < 128)) && sb_mb=128
    SHARED_BUFFERS=${SHARED_BUFFERS:-${sb_mb}MB}
    export SHARED_BUFFERS
    exec pg_virtualenv -t -v 15 \
        -o "shared_buffers=$SHARED_BUFFERS" -o max_wal_size=8GB \
        -o work_mem=64MB -o maintenance_work_mem=512MB -o "fsync=${FSYNC:-off}" \
        "$@" bash "$script" --inside
}
