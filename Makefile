# hubmessage-go: spec (openapi/) -> generated code (gen/) -> hand-written API -> checks.
# Every target needs only Go; tools are pinned in go.mod (tools.go) and fetched by `go run`.

GO      ?= go
PKGS    ?= ./...

# make bench: which benchmarks, how often, how long. BENCH_PKGS empty = every package with a
# func Benchmark. COUNT >= 6 lets benchstat give confidence intervals and p-values.
BENCH      ?= .
BENCH_PKGS ?=
COUNT      ?= 6
BENCHTIME  ?= 1s
BENCH_DIR  ?= bench.out
BENCH_NAME ?= bench
BENCH_TAGS ?=
BENCHSTAT  := $(GO) run golang.org/x/perf/cmd/benchstat
# make loadtest: BenchmarkLoad alone, longer.
LOAD_COUNT     ?= 6
LOAD_BENCHTIME ?= 3s
# make bench-prism: Prism's version (run by npx, never installed in the repository) and port.
PRISM_VERSION ?= 5.14.2
PRISM_PORT    ?= 4010
PRISM_COUNT   ?= 6
# make cold-costs: how many timed runs of each command.
RUNS ?= 3

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: generate
generate: ## Regenerate gen/ from openapi/hubmessage.yaml
	$(GO) generate ./gen/...

.PHONY: check-generated
check-generated: ## Fail if gen/ differs in any way (changed, new or removed files) from a fresh generation
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	tar --exclude=./.git -cf - . | tar -C "$$tmp" -xf - ; \
	rm -f "$$tmp"/gen/*.gen.go; \
	( cd "$$tmp" && $(GO) generate ./gen/... ) || exit 1; \
	if ! diff -ru gen "$$tmp/gen"; then \
		echo "check-generated: gen/ is stale; run 'make generate' and commit the result" >&2; exit 1; \
	fi; \
	extra=$$(ls gen | grep -vE '^(generate\.go|oapi-codegen\.yaml|.*\.gen\.go)$$' || true); \
	if [ -n "$$extra" ]; then echo "check-generated: gen/ holds files that are not generated: $$extra" >&2; exit 1; fi; \
	echo "check-generated: gen/ matches openapi/hubmessage.yaml"

.PHONY: breaking
breaking: ## Compatibility gate only: openapi/hubmessage.yaml vs every openapi/released/*.yaml (oasdiff)
	$(GO) run ./cmd/apispec breaking

.PHONY: changelog
changelog: ## Print the API changes since the latest release to stdout (markdown list)
	@$(GO) run ./cmd/apispec changelog

.PHONY: release
release: ## Snapshot the spec as openapi/released/<info.version>.yaml (gate must pass; never overwrites)
	$(GO) run ./cmd/apispec release

.PHONY: lint
lint: ## go vet and gofmt
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$out" ]; then echo "gofmt -l lists:" >&2; echo "$$out" >&2; exit 1; fi

.PHONY: tidy-check
tidy-check: ## Fail if go.mod/go.sum are not tidy
	$(GO) mod tidy -diff

.PHONY: demo
demo: ## Walk the channel lifecycle: client -> reference server in-process, no key needed (hubmessage demo)
	$(GO) run ./cmd/hubmessage demo

# make demo-web: where the web demo listens (a loopback host: it is plain http).
DEMO_WEB_ADDR ?= 127.0.0.1:8090

.PHONY: demo-web
demo-web: ## Serve the web demo (page, backend handler, reference server) on DEMO_WEB_ADDR until Ctrl-C; open the printed URL
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(GO) build -o "$$tmp/hubmessage" ./cmd/hubmessage && "$$tmp/hubmessage" demo-web --addr $(DEMO_WEB_ADDR)

# make mock: flags for `hubmessage mock`, e.g. MOCK_ARGS='--sandbox --log-level debug'. The
# binary is built, then run: `go run` exits 1 whenever it is interrupted, so Ctrl-C would end
# in make's "Error 1"; the binary itself exits 0 on SIGINT or SIGTERM.
MOCK_ARGS ?=

.PHONY: mock
mock: ## Run the reference server on 127.0.0.1:8080 until Ctrl-C (MOCK_ARGS; hubmessage mock --help)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(GO) build -o "$$tmp/hubmessage" ./cmd/hubmessage && "$$tmp/hubmessage" mock $(MOCK_ARGS)

.PHONY: test
test: breaking lint check-generated tidy-check ## Every check and every test, the compatibility gate first (what CI runs)
	$(GO) test -race -count=1 $(PKGS)

# The browser test is behind the build tag browser, so `make test` needs no browser.
.PHONY: test-browser
test-browser: ## Drive the web demo's page in headless Chromium (chromedp; needs chromium); screenshots in browser-screenshots/
	$(GO) vet -tags browser ./cmd/hubmessage/internal/webdemo/
	$(GO) test -tags browser -race -count=1 -run '^TestBrowser$$' ./cmd/hubmessage/internal/webdemo/ -args -screenshots "$(CURDIR)/browser-screenshots"

.PHONY: bench
bench: ## Run the benchmarks (BENCH, BENCH_PKGS, COUNT, BENCHTIME), save them in bench.out/, print benchstat tables
	@set -u; mkdir -p $(BENCH_DIR); \
	pkgs="$(BENCH_PKGS)"; \
	if [ -z "$$pkgs" ]; then \
		pkgs=$$(grep -rlE --include='*_test.go' --exclude-dir=.git --exclude-dir=$(BENCH_DIR) '^func Benchmark' . | xargs -n1 dirname | sort -u | tr '\n' ' '); \
	fi; \
	out=$(BENCH_DIR)/$(BENCH_NAME)-$$(date -u +%Y%m%dT%H%M%SZ).txt; rc=$$(mktemp); \
	echo "bench: -bench '$(BENCH)' -count $(COUNT) -benchtime $(BENCHTIME) over: $$pkgs"; \
	{ echo "nproc: $$(nproc)"; echo "go: $$($(GO) env GOVERSION)"; echo "commit: $$(git rev-parse --short HEAD 2>/dev/null || echo none)"; } > $$out; \
	{ $(GO) test -tags '$(BENCH_TAGS)' -run '^$$' -bench '$(BENCH)' -benchmem -count $(COUNT) -benchtime $(BENCHTIME) $$pkgs 2>&1; echo $$? > $$rc; } | tee -a $$out; \
	status=$$(cat $$rc); rm -f $$rc; cp $$out $(BENCH_DIR)/$(BENCH_NAME)-latest.txt; \
	echo; echo "bench: raw results in $$out (and $(BENCH_DIR)/$(BENCH_NAME)-latest.txt); benchmarks run:"; \
	awk '/^pkg:/ {pkg = $$2} /^Benchmark/ {name = $$1; sub(/-[0-9]+$$/, "", name); print "  " pkg "  " name}' $$out | sort -u; \
	if [ "$$status" != 0 ]; then echo "bench: go test failed (exit $$status)" >&2; exit $$status; fi; \
	if ! grep -q '^Benchmark' $$out; then echo "bench: no benchmark matched -bench '$(BENCH)' in $$pkgs" >&2; exit 1; fi; \
	echo; echo "== Comparisons: each impl= column against the group's first (baseline) =="; \
	$(BENCHSTAT) -filter '/impl:/./' -col /impl $$out; \
	if awk '/^Benchmark/ && $$1 !~ /\/impl=/ {found = 1} END {exit !found}' $$out; then \
		echo; echo "== Benchmarks without a baseline =="; \
		$(BENCHSTAT) -filter '-/impl:/./' $(BENCH_NAME)=$$out; \
	fi

.PHONY: loadtest
loadtest: ## Reference server throughput and latency alone (BenchmarkLoad; LOAD_COUNT, LOAD_BENCHTIME)
	@$(MAKE) --no-print-directory bench BENCH='^BenchmarkLoad$$' BENCH_PKGS=./mockserver COUNT=$(LOAD_COUNT) BENCHTIME=$(LOAD_BENCHTIME) BENCH_NAME=load

.PHONY: bench-prism
bench-prism: ## Reference server vs Prism's mock of the spec vs bare net/http (BenchmarkPrism, tag prism; needs npx; PRISM_COUNT)
	@set -u; mkdir -p $(BENCH_DIR); \
	setsid npx -y @stoplight/prism-cli@$(PRISM_VERSION) mock -h 127.0.0.1 -p $(PRISM_PORT) openapi/hubmessage.yaml > $(BENCH_DIR)/prism.log 2>&1 & \
	prism=$$!; trap 'kill -TERM -'$$prism' 2>/dev/null && wait '$$prism' 2>/dev/null' EXIT INT TERM; \
	echo "bench-prism: Prism $(PRISM_VERSION) (pid $$prism, log $(BENCH_DIR)/prism.log) on 127.0.0.1:$(PRISM_PORT); the benchmark polls it until it answers"; \
	HUBMESSAGE_PRISM_URL=http://127.0.0.1:$(PRISM_PORT) $(MAKE) --no-print-directory bench BENCH='^BenchmarkPrism$$' BENCH_PKGS=./mockserver \
		BENCH_TAGS=prism COUNT=$(PRISM_COUNT) BENCH_NAME=prism || exit 1; \
	echo; echo "== Reference server against Prism (baseline) =="; \
	$(BENCHSTAT) -filter '/impl:(prism OR mockserver)' -col '/impl@(prism mockserver)' $(BENCH_DIR)/prism-latest.txt

.PHONY: cold-costs
cold-costs: ## Wall time of make generate and make test (RUNS each; warm caches, then an empty build cache)
	@set -u; \
	timed() { label=$$1; shift; s=$$(date +%s.%N); "$$@" > /dev/null 2>&1 || { echo "cold-costs: $$label failed" >&2; return 1; }; \
		e=$$(date +%s.%N); awk -v l="$$label" -v s=$$s -v e=$$e 'BEGIN {printf "  %-54s %6.1f s\n", l, e - s}'; }; \
	echo "cold-costs: $$(nproc) cores, $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $$($(GO) env GOVERSION)"; \
	$(MAKE) --no-print-directory generate > /dev/null 2>&1 && $(MAKE) --no-print-directory test > /dev/null 2>&1 || { echo "cold-costs: warm-up failed" >&2; exit 1; }; \
	for i in $$(seq $(RUNS)); do timed "make generate (warm module and build cache)" $(MAKE) --no-print-directory generate || exit 1; done; \
	for i in $$(seq $(RUNS)); do timed "make test (warm module and build cache)" $(MAKE) --no-print-directory test || exit 1; done; \
	cache=$$(mktemp -d); trap 'chmod -R u+w "$$cache"; rm -rf "$$cache"' EXIT; \
	timed "make generate (warm module cache, empty build cache)" env GOCACHE=$$cache $(MAKE) --no-print-directory generate || exit 1; \
	rm -rf "$$cache"/*; \
	timed "make test (warm module cache, empty build cache)" env GOCACHE=$$cache $(MAKE) --no-print-directory test || exit 1
