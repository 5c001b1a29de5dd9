# hubmessage-go: spec (openapi/) -> generated code (gen/) -> hand-written API -> checks.
# Every target needs only Go; tools are pinned in go.mod (tools.go) and fetched by `go run`.

GO      ?= go
PKGS    ?= ./...

# make bench: which benchmarks, in which packages, how often, how long; where the output goes.
# COUNT >= 6 lets benchstat give confidence intervals and p-values.
BENCH      ?= .
BENCH_PKGS ?= ./...
COUNT      ?= 6
BENCHTIME  ?= 1s
BENCH_TAGS ?=
BENCH_OUT  ?= bench.out/bench.txt
BENCHSTAT  := $(GO) run golang.org/x/perf/cmd/benchstat
# make bench-prism: Prism's version (run by npx, never installed in the repository) and port.
PRISM_VERSION ?= 5.14.2
PRISM_PORT    ?= 4010

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

# make changelog, changelog-write: TEXT='…' is the release's text, what it is for in a sentence
# or two, below its heading. The recipes read it from the environment (make exports a variable
# set on its command line), so quotes and backticks in it stay text; write $ as $$.
.PHONY: changelog
changelog: ## Print CHANGELOG.md's section for info.version: heading, TEXT, the API changes since the release before
	@$(GO) run ./cmd/apispec changelog -text "$$TEXT"

.PHONY: changelog-write
changelog-write: ## Insert that section into CHANGELOG.md above the newest release (TEXT required; refuses a version already there)
	@$(GO) run ./cmd/apispec changelog -text "$$TEXT" -write CHANGELOG.md

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
demo-web: bin/hubmessage ## Serve the web demo (page, backend handler, reference server) on DEMO_WEB_ADDR until Ctrl-C; open the printed URL
	@$(FOREGROUND) bin/hubmessage demo-web --addr $(DEMO_WEB_ADDR)

# make mock: flags for `hubmessage mock`, e.g. MOCK_ARGS='--sandbox --log-level debug'.
MOCK_ARGS ?=

.PHONY: mock
mock: bin/hubmessage ## Run the reference server on 127.0.0.1:8080 until Ctrl-C (MOCK_ARGS; hubmessage mock --help)
	@$(FOREGROUND) bin/hubmessage mock $(MOCK_ARGS)

# bin/hubmessage is the command, built for mock and demo-web in the repository (bin/ is
# ignored), so that an interrupted run leaves nothing behind: `go run` would exit 1 when
# interrupted, and a temporary directory would outlive the shell make kills on Ctrl-C.
# FOREGROUND runs it as the terminal's foreground job (bash's job control, when there is a
# terminal): Ctrl-C then reaches the server alone, which exits 0, and so does make (which
# would die of the SIGINT otherwise). The trailing exit keeps bash from exec'ing the server.
FOREGROUND = bash -c 'if [ -t 0 ]; then set -m; fi; "$$@"; exit $$?' foreground

.PHONY: bin/hubmessage
bin/hubmessage:
	@$(GO) build -o $@ ./cmd/hubmessage

.PHONY: test
test: breaking lint check-generated tidy-check ## Every check and every test, the compatibility gate first (what CI runs)
	$(GO) test -race -count=1 $(PKGS)

# The browser test is behind the build tag browser, so `make test` needs no browser.
.PHONY: test-browser
test-browser: ## Drive the web demo's page in headless Chromium (chromedp; needs chromium); screenshots in browser-screenshots/
	$(GO) vet -tags browser ./cmd/hubmessage/internal/webdemo/
	$(GO) test -tags browser -race -count=1 -run '^TestBrowser$$' ./cmd/hubmessage/internal/webdemo/ -args -screenshots "$(CURDIR)/browser-screenshots"

.PHONY: bench
bench: ## Run the benchmarks (BENCH, BENCH_PKGS, COUNT, BENCHTIME) into BENCH_OUT; benchstat compares each impl= with the first
	@mkdir -p $(dir $(BENCH_OUT))
	bash -o pipefail -c "$(GO) test -tags '$(BENCH_TAGS)' -run '^$$' -bench '$(BENCH)' -benchmem -count $(COUNT) -benchtime $(BENCHTIME) $(BENCH_PKGS) | tee $(BENCH_OUT)"
	$(BENCHSTAT) -col /impl $(BENCH_OUT)

.PHONY: bench-prism
bench-prism: ## Reference server vs Prism's mock of the spec vs bare net/http (BenchmarkPrism, tag prism; needs npx)
	@mkdir -p bench.out; setsid npx -y @stoplight/prism-cli@$(PRISM_VERSION) mock -h 127.0.0.1 -p $(PRISM_PORT) openapi/hubmessage.yaml > bench.out/prism.log 2>&1 & \
	prism=$$!; trap 'kill -TERM -$$prism' EXIT; \
	HUBMESSAGE_PRISM_URL=http://127.0.0.1:$(PRISM_PORT) $(MAKE) --no-print-directory bench BENCH='^BenchmarkPrism$$' BENCH_PKGS=./mockserver BENCH_TAGS=prism BENCH_OUT=bench.out/prism.txt

.PHONY: cold-costs
cold-costs: ## Wall time of make test with an empty build cache (the module cache kept), as on a fresh clone
	@cache=$$(mktemp -d); trap 'chmod -R u+w "$$cache"; rm -rf "$$cache"' EXIT; start=$$(date +%s); \
	GOCACHE=$$cache $(MAKE) --no-print-directory test > /dev/null || exit 1; \
	echo "make test with an empty build cache: $$(( $$(date +%s) - start )) s on $$(nproc) cores"
