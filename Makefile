# cglu-search: build, test, bench. `make help` lists the targets.
# Layout: common/ (analyzer, Xapian wrapper, shared helpers), indexer/,
# server/; every *_main.c is a program, every other .c/.cc goes into
# build/libcglu.a that programs and tests link against.
#
# `make` only builds and `make clean` only removes; `make deps` installs the
# Debian packages (scripts/deps.sh). The README's two commands, `make run`
# and `make test`, install what is missing first and then build in a make
# that reads this file again, once pkg-config and xapian-config can answer.

CC ?= cc
CXX ?= c++
CFLAGS ?= -O2 -g
CXXFLAGS ?= -O2 -g
SAN ?=
BUILD ?= build
BIN ?= bin
PREFIX ?= /usr/local

PKGS := libuv libutf8proc libxml-2.0 jansson liblz4
WARN := -Wall -Wextra -Werror
CPPFLAGS_ALL := -I. -D_GNU_SOURCE $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
	$(shell xapian-config --cxxflags 2>/dev/null | tr ' ' '\n' | grep '^-I' | tr '\n' ' ')
ALL_CFLAGS := -std=c11 $(WARN) $(CFLAGS) $(SAN) $(CPPFLAGS_ALL) -MMD -MP
ALL_CXXFLAGS := -std=c++17 $(WARN) $(CXXFLAGS) $(SAN) $(CPPFLAGS_ALL) -MMD -MP
LIBS := $(shell xapian-config --libs 2>/dev/null) -lstemmer -lhttp_parser \
	$(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
TEST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

SRC_DIRS := common indexer search server client
MAINS := $(wildcard $(addsuffix /*_main.c,$(SRC_DIRS)))
# common/mapread defines open(), close() and pread(): only the programs
# that read the index from maps link it (EXTRA_* below), never the library,
# whose members any program would pull in for those names.
MAPREAD := common/mapread.c
LIB_C := $(filter-out $(MAINS) $(MAPREAD),$(wildcard $(addsuffix /*.c,$(SRC_DIRS))))
MAPREAD_OBJ := $(BUILD)/obj/common/mapread.o
LIB_CC := $(wildcard $(addsuffix /*.cc,$(SRC_DIRS)))
# The search page's files (server/web/), built into the daemon as a C
# table (scripts/embed.sh, server/assets.h).
WEB_FILES := $(sort $(wildcard server/web/*.html server/web/*.js server/web/*.css))
WEB_OBJ := $(BUILD)/obj/gen/web_assets.o
LIB_OBJ := $(LIB_C:%.c=$(BUILD)/obj/%.o) $(LIB_CC:%.cc=$(BUILD)/obj/%.o) \
	$(WEB_OBJ)
LIB := $(BUILD)/libcglu.a

# Each program and its main: one link rule below serves them all.
MAIN_cglu-index := indexer/index_main
MAIN_cglu-searchd := server/searchd_main
MAIN_cglu-search := client/search_main
PROGS := $(BIN)/cglu-index $(BIN)/cglu-searchd $(BIN)/cglu-search
# Objects a program, test or benchmark links besides its main and the
# library.
EXTRA_cglu-searchd := $(MAPREAD_OBJ)
EXTRA_test_mapread := $(MAPREAD_OBJ)
EXTRA_match_bench := $(MAPREAD_OBJ)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/*_bench.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%) $(BUILD)/bench/xapian_floor

.PHONY: all test test-asan check check-asan run serve bench clean install screenshots \
	format format-check lint help deps memcheck soak eval \
	cluster cluster-stop cluster-status
# Keep object files of tests: they are intermediate but rebuilt otherwise.
.SECONDARY:
all: $(PROGS) $(UNIT_BIN) $(BENCH_BIN)

help:
	@echo "make           build bin/ programs, tests and benchmarks (only)"
	@echo "make deps      install the Debian packages (scripts/deps.sh)"
	@echo "make run       deps, build, index corpus/ into var/cglu.db, serve it"
	@echo "make test      deps, build and run every unit and integration test"
	@echo "make test-asan the same suite under ASan+UBSan (build-asan/)"
	@echo "make check     the suite without the deps step"
	@echo "make bench     run the benchmarks (see docs/BENCHMARKS.md)"
	@echo "make eval      relevance against Xapian's QueryParser (docs/RELEVANCE.md)"
	@echo "make cluster   a local cluster on 127.0.0.1: 2 shard servers, a replica,"
	@echo "               2 daemons (scripts/cluster.sh, docs/SCALING.md; CLUSTER_ARGS=...)"
	@echo "make cluster-stop, make cluster-status  stop it, say what runs"
	@echo "make screenshots  docs/search-page*.png from the browser tests"
	@echo "make install PREFIX=/usr/local"

deps:
	sh scripts/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@
$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@
$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/gen/web_assets.c: $(WEB_FILES) scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh $@ $(WEB_FILES)
$(WEB_OBJ): $(BUILD)/gen/web_assets.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

.SECONDEXPANSION:
$(PROGS): $(BIN)/%: $(BUILD)/obj/$$(MAIN_$$*).o $$(EXTRA_$$*) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(SAN) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $$(EXTRA_$$*) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(SAN) -o $@ $^ $(LIBS) $(TEST_LIBS)
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $$(EXTRA_$$*) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(SAN) -o $@ $^ $(LIBS)
# The one C++ benchmark: Xapian's own write cost (bench/README.md).
$(BUILD)/bench/xapian_floor: bench/xapian_floor.cc
	@mkdir -p $(dir $@)
	$(CXX) $(ALL_CXXFLAGS) -o $@ $< $(shell pkg-config --libs xapian-core)
$(BUILD)/obj/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The README's commands: the packages first, then a make that sees them.
test: deps
	@$(MAKE) --no-print-directory check
test-asan: deps
	@$(MAKE) --no-print-directory check-asan
run: deps
	@$(MAKE) --no-print-directory serve

check: $(PROGS) $(UNIT_BIN)
	sh tests/run.sh $(BUILD) $(BIN)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
check-asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	$(MAKE) BUILD=build-asan BIN=build-asan/bin CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  CXXFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" check

# The line protocol on 127.0.0.1:7878, HTTP and the search page on :7879.
HTTP_ADDR ?= 127.0.0.1:7879
# The README's pictures of the search page, taken by the browser tests.
screenshots: $(PROGS)
	CGLU_BIN=$(abspath $(BIN)) sh tests/browser/run.sh --screenshots docs

serve: $(PROGS)
	$(BIN)/cglu-index corpus/
	@echo "serving var/cglu.db; query it with: $(BIN)/cglu-search 'gouvernements locaux'"
	@echo "search page: http://$(HTTP_ADDR)/"
	exec $(BIN)/cglu-searchd --http $(HTTP_ADDR)

# A whole cluster on 127.0.0.1 under var/cluster (docs/SCALING.md, "A
# local cluster"); CLUSTER_ARGS="--replicas 2 --lb haproxy" and the like
# (scripts/cluster.sh --help).
CLUSTER_ARGS ?=
cluster: $(PROGS)
	bash scripts/cluster.sh start --bin $(BIN) $(CLUSTER_ARGS)
cluster-stop:
	bash scripts/cluster.sh stop
cluster-status:
	bash scripts/cluster.sh status

bench: all
	sh bench/run.sh $(BUILD)

# Known-item and visitor queries, cglu vs omindex + QueryParser (docs/RELEVANCE.md).
eval: $(PROGS)
	python3 bench/eval/run.py --bin $(BIN)

install: $(PROGS)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/

FORMAT_FILES = $(wildcard */*.c */*.h */*.cc tests/*/*.c tests/*/*.h bench/*.c)
format:
	clang-format -i $(FORMAT_FILES)
# Fails when a file differs from .clang-format's layout (CI runs it).
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

# ---- fuzzing (tests/fuzz/README.md) ----
# libFuzzer targets tests/fuzz/fuzz_NAME.c, built by clang with ASan+UBSan
# into build-fuzz/ against a library of the fuzzed modules only.
FUZZ_BUILD := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB_C := common/analyze.c common/buf.c common/json.c common/schema.c \
	common/utf8.c common/frplural.c common/esplural.c common/lang.c \
	search/filter.c server/proto.c \
	server/verbs.c search/query.c search/snip.c \
	indexer/extract.c indexer/extract_text.c indexer/extract_md.c \
	indexer/extract_html.c server/httpreq.c server/qstr.c common/url.c \
	indexer/feed.c common/errmsg.c common/textstore.c
FUZZ_LIB_CC := common/xapian_c.cc
FUZZ_OPT := -O1 -g -fno-omit-frame-pointer
# UBSan findings must abort, or libFuzzer does not count them as crashes.
FUZZ_SAN := address,undefined -fno-sanitize-recover=undefined
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/fuzz_%)

.PHONY: fuzz fuzz-ci fuzz-build
fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang CXX=clang++ CFLAGS="$(FUZZ_OPT)" \
	  CXXFLAGS="$(FUZZ_OPT)" SAN="-fsanitize=fuzzer-no-link,$(FUZZ_SAN)" \
	  LIB_C="$(FUZZ_LIB_C)" LIB_CC="$(FUZZ_LIB_CC)" $(FUZZ_BINS)
$(FUZZ_BUILD)/fuzz/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $^ $(LIBS)

# FUZZ_SECONDS per target (make fuzz FUZZ_SECONDS=600 for a long run).
fuzz: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
# CI: 20 s per target, after replaying tests/fuzz/regressions/.
fuzz-ci: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_BUILD) 20 $(FUZZ_TARGETS)

# 10 minutes of mixed load with a re-index every minute (not in make test).
SOAK_MINUTES ?= 10
soak: $(PROGS)
	python3 tests/soak/soak.py --minutes $(SOAK_MINUTES) --bin $(BIN)

# Valgrind's memcheck over every unit test: any error or leak fails.
memcheck: $(UNIT_BIN)
	@st=0; for t in $(UNIT_BIN); do \
	  echo "memcheck: $$t"; \
	  valgrind -q --error-exitcode=9 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect $$t >/dev/null || st=1; \
	done; exit $$st

# ---- static checks ----
# cppcheck and clang-tidy (checks in .clang-tidy) over the sources, with
# the compiler's flags; any finding fails. Silence a cppcheck false
# positive with an inline "// cppcheck-suppress id" saying why.
LINT_C := $(wildcard $(addsuffix /*.c,$(SRC_DIRS)))
LINT_CC := $(wildcard $(addsuffix /*.cc,$(SRC_DIRS)))
LINT_DEFS := $(filter -D% -I%,$(CPPFLAGS_ALL))
# Both tools always run (all findings in one go); lint fails if either
# found anything. System headers are not parsed by cppcheck (slow, noisy):
# --library=posix describes libc to it instead.
lint:
	@st=0; \
	echo "lint: cppcheck"; \
	cppcheck --quiet --error-exitcode=1 --inline-suppr \
	  --enable=warning,portability,performance --std=c11 \
	  --library=posix $(LINT_DEFS) $(LINT_C) $(LINT_CC) || st=1; \
	echo "lint: clang-tidy (checks in .clang-tidy)"; \
	clang-tidy --quiet $(LINT_C) -- -std=c11 $(LINT_DEFS) || st=1; \
	clang-tidy --quiet $(LINT_CC) -- -std=c++17 $(LINT_DEFS) || st=1; \
	if [ $$st -ne 0 ]; then echo "lint: findings above"; fi; \
	exit $$st

clean:
	rm -rf $(BUILD) $(BIN) build-asan $(FUZZ_BUILD)

# Header dependencies of every flavour (plain, ASan, fuzz).
-include $(shell find $(BUILD) build-asan $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
