# usertrack: PGXS build.  Warnings-as-errors and sanitizer flags come in
# through PG_CFLAGS / PG_LDFLAGS from scripts/test.sh and CI, not from here.

EXTENSION   = usertrack
EXTVERSION  = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" usertrack.control)
MODULE_big  = usertrack
OBJS        = src/usertrack.o src/validate.o src/capture.o src/summaries.o src/prices.o src/sketch.o src/rollup.o src/ingest.o
DATA        = $(wildcard usertrack--*.sql)
PGFILEDESC  = "usertrack - per-user analytics of LLM traces"
# the library knows its version: usertrack.library_version()
PG_CPPFLAGS = -DUSERTRACK_VERSION=\"$(EXTVERSION)\"

REGRESS      = $(sort $(patsubst sql/%.sql,%,$(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=usertrack

ISOLATION      = $(sort $(patsubst test/isolation/specs/%.spec,%,$(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=usertrack

TAP_TESTS   = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# every object is rebuilt when a shared header changes, and the library's
# version (usertrack.library_version()) when the control file's does
$(OBJS): $(wildcard src/*.h)
src/usertrack.o: usertrack.control

# libpq-driven test programs
PG_INCLUDEDIR := $(shell $(PG_CONFIG) --includedir)
PG_LIBDIR     := $(shell $(PG_CONFIG) --libdir)
TEST_PROGRAMS  = test/difftest test/listen_alerts

test/%: test/%.c
	$(CC) $(CFLAGS) $(TEST_CFLAGS) -I$(PG_INCLUDEDIR) -o $@ $< -L$(PG_LIBDIR) -lpq -lpthread $(TEST_LDFLAGS)

test-programs: $(TEST_PROGRAMS)

.PHONY: test-programs

# The suites against an ASan+UBSan build, and difftest under valgrind; and
# libFuzzer on the ingestion functions.  Both build in a scratch directory
# and run a private server: the installed usertrack.so is not touched.
sanitize:
	bash scripts/sanitize.sh

fuzz:
	bash scripts/fuzz.sh

.PHONY: sanitize fuzz
