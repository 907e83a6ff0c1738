# reifegrad: build, run and test. `make run` and `make test` are the two
# commands a new developer needs; see README.md.

CC ?= cc
PKGS := libpq jansson libsodium fcgi
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla
BASE_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
	-Icgi -Ibuild/gen $(PKG_CFLAGS)
REL_CFLAGS := $(BASE_CFLAGS) -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	-fPIE -g
REL_LDFLAGS := -pie -Wl,-z,relro,-z,now
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
TEST_CFLAGS := $(BASE_CFLAGS) -O1 -g -fno-omit-frame-pointer $(SAN)
TEST_LDFLAGS := $(SAN)
# ReadStat (research exports as .sav/.dta): Debian's libreadstat-dev ships
# no pkg-config file.
READSTAT_LIBS := $(shell pkg-config --libs readstat 2>/dev/null || echo -lreadstat)
LIBS := $(PKG_LIBS) $(READSTAT_LIBS) -lm

# Which file goes into which program: the server's own files, the admin
# tool's own files, and the common (mostly pure) rest.
SERVER_ONLY := cgi/main.c cgi/fcgi.c cgi/dispatch.c cgi/routes.c cgi/db.c \
	$(wildcard cgi/h_*.c cgi/auth.c cgi/metrics.c cgi/qcache.c cgi/list.c cgi/snapcache.c cgi/snapshotter.c cgi/committer.c)
ADMIN_ONLY := $(wildcard cgi/admin*.c)
COMMON := $(filter-out $(SERVER_ONLY) $(ADMIN_ONLY),$(wildcard cgi/*.c))
# Pure modules: no libpq, no libfcgi; unit tests and fuzzers link these.
PURE := $(filter-out cgi/log.c cgi/pgjson.c cgi/snapshot.c,$(COMMON))

GEN := build/gen/queries.h build/gen/queries.c build/gen/migrations.c
HEADERS := $(wildcard cgi/*.h) build/gen/queries.h

SERVER_SRCS := $(SERVER_ONLY) $(COMMON) build/gen/queries.c
ADMIN_SRCS := $(ADMIN_ONLY) $(COMMON) build/gen/migrations.c build/gen/queries.c

obj = $(patsubst %.c,$(1)/%.o,$(2))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,build/test/unit/%,$(UNIT_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))

.PHONY: all test test-build run stop fuzz fuzz-smoke bench clean fmt fmt-check \
	deps site-vendor

all: build/reifegrad-fcgi build/reifegrad-admin

build/gen/queries.h: sql/queries.awk sql/queries $(wildcard sql/queries/*.sql)
	@mkdir -p $(@D)
	awk -v out=h -f sql/queries.awk $(sort $(wildcard sql/queries/*.sql)) > $@.tmp && mv $@.tmp $@

build/gen/queries.c: sql/queries.awk sql/queries $(wildcard sql/queries/*.sql)
	@mkdir -p $(@D)
	awk -v out=c -f sql/queries.awk $(sort $(wildcard sql/queries/*.sql)) > $@.tmp && mv $@.tmp $@

# The folders too: a removed file changes only their time.
build/gen/migrations.c: sql/migrations.awk sql/migrations $(wildcard sql/migrations/*.sql)
	@mkdir -p $(@D)
	awk -f sql/migrations.awk $(sort $(wildcard sql/migrations/*.sql)) > $@.tmp && mv $@.tmp $@

# Generated tables embed whole SQL files as one string each.
build/rel/build/gen/%.o: REL_CFLAGS += -Wno-overlength-strings
build/test/obj/build/gen/%.o: TEST_CFLAGS += -Wno-overlength-strings

build/rel/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	@echo "  CC $<"
	@$(CC) $(REL_CFLAGS) -c $< -o $@

build/test/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	@echo "  CC (test) $<"
	@$(CC) $(TEST_CFLAGS) -c $< -o $@

build/reifegrad-fcgi: $(call obj,build/rel,$(SERVER_SRCS))
	$(CC) $(REL_LDFLAGS) $^ -o $@ $(LIBS)

build/reifegrad-admin: $(call obj,build/rel,$(ADMIN_SRCS))
	$(CC) $(REL_LDFLAGS) $^ -o $@ $(LIBS)

build/test/reifegrad-fcgi: $(call obj,build/test/obj,$(SERVER_SRCS))
	$(CC) $(TEST_LDFLAGS) $^ -o $@ $(LIBS)

build/test/reifegrad-admin: $(call obj,build/test/obj,$(ADMIN_SRCS))
	$(CC) $(TEST_LDFLAGS) $^ -o $@ $(LIBS)

build/test/unit/%: tests/unit/%.c $(call obj,build/test/obj,$(PURE)) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $< $(call obj,build/test/obj,$(PURE)) -o $@ \
		$(TEST_LDFLAGS) $(LIBS) -lcmocka

test-build: build/test/reifegrad-fcgi build/test/reifegrad-admin $(UNIT_BINS) \
	build/reifegrad-admin

# The whole suite: unit, SQL, API (real nginx, real workers, throwaway
# PostgreSQL), browser. Ends with one line "N passed, N failed".
test: test-build site-vendor
	tests/run

# Installs what is missing, builds, and starts PostgreSQL, the workers and
# nginx on 127.0.0.1:8080 with a demo network.
run:
	deploy/install-deps
	$(MAKE) all site-vendor
	deploy/stack run

stop:
	deploy/stack stop var

# Third-party browser libraries, vendored from npm into site/vendor.
site-vendor:
	deploy/vendor-site

# libFuzzer harnesses (clang), FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
	-Icgi -Ibuild/gen $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all
build/fuzz/%: tests/fuzz/%.c $(PURE) $(HEADERS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $< $(PURE) -o $@ $(LIBS)

fuzz: $(FUZZ_BINS)
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS)
	tests/fuzz/run 5 $(FUZZ_BINS)

# The load client of the write benchmarks (autosaves, submits).
build/bench/wload: tests/bench/wload.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -pthread -o $@ $<

# The hot paths against their ceilings, then the research exports at
# 100,000 responses (each brings up its own stack); fails when either
# misses a budget.
bench: all build/bench/wload
	tests/bench/run; rc=$$?; tests/bench/export_bench.sh || rc=1; exit $$rc

fmt:
	clang-format -i cgi/*.c cgi/*.h tests/unit/*.c tests/fuzz/*.c

fmt-check:
	clang-format --dry-run --Werror cgi/*.c cgi/*.h

clean:
	rm -rf build

# The API suite with the workers under valgrind (memcheck): an -O0 build
# without sanitizers (they do not mix with valgrind), started through a
# wrapper by tests/run (REIFEGRAD_TEST_BIN). Slow; not part of `make test`.
# Fails when the suite fails or any valgrind log reports an error (leaks:
# definite ones only). The master only forks, which valgrind follows by
# itself: no --trace-children. Logs stay in build/vg/log, one per process.
# VG_TESTS=test_response runs one file of the suite only.
VG_CFLAGS := $(BASE_CFLAGS) -O0 -g -fno-omit-frame-pointer
VG_LOG := $(CURDIR)/build/vg/log
VALGRIND := valgrind --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --track-origins=yes --num-callers=30 \
	--log-file=$(VG_LOG)/vg.%p
build/vg/obj/build/gen/%.o: VG_CFLAGS += -Wno-overlength-strings
build/vg/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	@echo "  CC (valgrind) $<"
	@$(CC) $(VG_CFLAGS) -c $< -o $@

build/vg/reifegrad-fcgi.bin: $(call obj,build/vg/obj,$(SERVER_SRCS))
	$(CC) $^ -o $@ $(LIBS)

build/vg/reifegrad-fcgi: build/vg/reifegrad-fcgi.bin Makefile
	printf '#!/bin/sh\nmkdir -p %s\nexec %s %s "$$@"\n' '$(VG_LOG)' '$(VALGRIND)' \
		'$(CURDIR)/$<' > $@
	chmod 755 $@
	ln -sf ../test/reifegrad-admin build/vg/reifegrad-admin

.PHONY: test-valgrind
test-valgrind: build/vg/reifegrad-fcgi test-build
	@command -v valgrind >/dev/null || { echo "test-valgrind: valgrind is not installed"; exit 1; }
	rm -rf $(VG_LOG) && mkdir -p $(VG_LOG)
	@SKIP_E2E=1 REIFEGRAD_TEST_BIN=$(CURDIR)/build/vg tests/run api $(VG_TESTS); rc=$$?; \
	logs=$$(ls $(VG_LOG)/vg.* 2>/dev/null | wc -l); \
	bad=$$(grep -lE 'ERROR SUMMARY: [1-9]|== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap)' $(VG_LOG)/vg.* 2>/dev/null); \
	clean=$$(grep -l 'ERROR SUMMARY: 0 errors' $(VG_LOG)/vg.* 2>/dev/null | wc -l); \
	echo "test-valgrind: $$logs processes under valgrind, $$clean ended with 0 errors, $$(echo $$bad | wc -w) with errors (logs in $(VG_LOG))"; \
	for f in $$bad; do echo "== $$f"; sed -n '/== Command:/,$$p' $$f | grep -v '^==[0-9]*== *$$' | head -80; done; \
	[ $$logs -gt 0 ] && [ -z "$$bad" ] && [ $$rc -eq 0 ]

# Reads from a hot standby (issue #10): a primary and a streaming standby
# made with pg_basebackup, workers with REIFEGRAD_READ_DATABASE_URL, a
# submission on the primary read back from the standby, the fallbacks when
# either server stops. Also the suite "replica" of `make test`.
.PHONY: test-replica
test-replica: test-build
	tests/replica/run
