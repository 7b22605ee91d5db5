# Mila — one command to run, one command to test.
#
#   make run    install what is missing (Debian, as root), build, start Mila
#   make test   the same plus Chromium, then gofmt, go vet, staticcheck, go test -race
#
# Other targets: build, generate, assets, schema, bench, bench-history, load, fuzz, clean.

SHELL       := /bin/bash
GO          ?= go
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X main.version=$(VERSION)
BIN         := bin/mila
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Debian packages Mila needs at run time and for building its assets.
RUN_PKGS    := postgresql postgresql-contrib nodejs npm
TEST_PKGS   := $(RUN_PKGS) chromium poppler-utils

.PHONY: run test build generate assets deps-run deps-test schema bench bench-history load fuzz clean check-format vet staticcheck gotest

run: deps-run build
	@scripts/run.sh

build: assets generate
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/mila

# --- views (templ components, compiled to Go) -------------------------------
# The generated *_templ.go files are committed, so `go build` works from a
# clean clone; TestTemplGenerated (make test) fails when they are stale.
# templ is a tool of the module (go.mod), at the version go.mod names.
generate:
	$(GO) tool templ generate -path internal/web -log-level warn

# --- system packages -------------------------------------------------------
# Only what is missing is installed; as root on Debian we install it
# ourselves (one apt-get update first), otherwise we print the exact line.
deps-run:
	@scripts/ensure-packages.sh $(RUN_PKGS)

deps-test:
	@scripts/ensure-packages.sh $(TEST_PKGS)

# --- front-end assets (npm, built into the web package, embedded) ----------
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: node_modules/.package-lock.json
	npm run --silent build

# --- tests -----------------------------------------------------------------
test: deps-test assets check-format vet staticcheck gotest

check-format:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './node_modules/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...

# Browser tests skip without Chromium (a plain `go test ./...` still runs
# everything else); here, as in CI, they must run, so a missing Chromium fails.
gotest:
	MILA_REQUIRE_BROWSER=1 $(GO) test -race -count=1 -timeout 20m ./...

# Regenerate the committed schema snapshot from a freshly migrated database.
schema:
	$(GO) test ./internal/pg -run TestSchemaSnapshot -count=1 -update

# The scale benchmark: 100,000 members, every overview page over HTTP against its SQL
# floor, bulk group changes, memory (bench/main.go; docs/PERFORMANCE.md), the
# exports (CSV and XLSX of every member, PDF of a group of about 1,000:
# bench/export.go), a mailing sent while the overview is read (bench/mailing.go),
# and an import of 100,000 rows × 15 columns through the web pages (upload,
# mapping, dry run, commit, undo) while another user reads the overview and a
# search (-import, bench/importstep.go); then
# the import of 100,000 rows × 15 columns in-process: dry run, commit, re-import, undo
# (internal/importer/bench_test.go); then mail: queueing a mailing to
# 10,000 members and sending over one SMTP connection (internal/mail/bench_test.go).
# The data set is kept in bench/out/data and reused by the next run.
bench: deps-run build
	$(GO) run ./bench -build=false -import 100000
	$(GO) test ./internal/importer -run '^$$' -bench Import100k -benchtime 1x -timeout 30m
	$(GO) test ./internal/mail -run '^$$' -bench 'Queue10k|Send' -benchtime 3x -timeout 20m
	$(GO) test ./internal/audit -run '^$$' -bench BulkMemberships -benchtime 3x -timeout 60m
	$(GO) test ./internal/audit -run '^$$' -bench AuditReading -benchtime 1x -timeout 60m

# Only the history pages of issue 14 (as of a day: /members, /groups, the
# largest group's page; the group page's "all" list; /statistics) and the
# bulk add, removal and end of 10,000 memberships, on the same data set
# (bench/out/data). BENCHFLAGS passes options, e.g. BENCHFLAGS='-members 2000
# -groups 20 -bulk 1000 -bulk-rounds 1' for a quick check at a small scale.
BENCHFLAGS ?=
bench-history: deps-run build
	$(GO) run ./bench -build=false -only 'as_of|show=all|statistics' -export-rounds 0 $(BENCHFLAGS)

# The load run (not part of `make test`): 50 signed-in clients for
# 60 s, 90% reads and 10% writes over every page, on the 100,000-member
# demo data set in bench/out/load-data (kept and reused); fails on any 5xx,
# transport error, ERROR log line or count that differs from a recount.
# Results in bench/out/load.md (docs/PERFORMANCE.md, "Load").
# LOADFLAGS passes options, e.g. LOADFLAGS='-duration 10s -members 10000'.
LOADFLAGS ?=
load: deps-run build
	$(GO) run ./bench/load -build=false $(LOADFLAGS)

# Each fuzz target for FUZZTIME (the seed corpora already run in gotest).
# Findings land in the package's testdata/fuzz/ as failing seeds.
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./internal/slug -run '^$$' -fuzz '^FuzzMake$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/membership -run '^$$' -fuzz '^FuzzMemberSearch$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/web -run '^$$' -fuzz '^FuzzURLParams$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf bin internal/web/static/*.css internal/web/static/*.js
