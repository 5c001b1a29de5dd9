# hubmessage-go: spec (openapi/) -> generated code (gen/) -> hand-written API -> checks.
# Every target needs only Go; tools are pinned in go.mod (tools.go) and fetched by `go run`.

GO      ?= go
PKGS    ?= ./...

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
	$(GO) run ./internal/cmd/apispec breaking

.PHONY: changelog
changelog: ## Print the API changes since the latest release to stdout (markdown list)
	@$(GO) run ./internal/cmd/apispec changelog

.PHONY: release
release: ## Snapshot the spec as openapi/released/<info.version>.yaml (gate must pass; never overwrites)
	$(GO) run ./internal/cmd/apispec release

.PHONY: lint
lint: ## go vet and gofmt
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$out" ]; then echo "gofmt -l lists:" >&2; echo "$$out" >&2; exit 1; fi

.PHONY: tidy-check
tidy-check: ## Fail if go.mod/go.sum are not tidy
	$(GO) mod tidy -diff

.PHONY: demo
demo: ## Walk the connect flow: client -> reference server in-process, no key needed (hubmessage demo)
	$(GO) run ./cmd/hubmessage demo

.PHONY: mock
mock: ## Run the reference server on 127.0.0.1:8080 (hubmessage mock --help for flags)
	$(GO) run ./cmd/hubmessage mock

.PHONY: test
test: breaking lint check-generated tidy-check ## Every check and every test, the compatibility gate first (what CI runs)
	$(GO) test -race -count=1 $(PKGS)
