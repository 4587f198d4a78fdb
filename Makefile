# Meridian's build, run and test entry points. `make demo` and `make test` set everything up
# first (scripts/setup.sh), so they work on a fresh Debian machine with Go installed.
SHELL := /bin/bash
export CHDB_LIB_PATH := $(CURDIR)/.engines/chdb/libchdb.so
GO ?= go
DATA ?= ../shared/data
GOTESTSUM := $(GO) run gotest.tools/gotestsum@v1.13.0
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
GQLGEN := $(GO) run github.com/99designs/gqlgen generate --config graphql/gqlgen.yml

.PHONY: setup setup-test playground console build demo serve test test-go test-console screenshots bench-console bench-scroll lint generate check-generate fuzz \
        bench-ingest bench-forecast bench-insights bench-webhooks bench-routed bench-understanding bench-routing sim-routing eval-forecast eval-insights eval-language eval-answers clean

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test

# The playground's npm build, which the binary embeds (scripts/setup.sh runs it too).
playground:
	@bash scripts/build-playground.sh

# The web console's npm build, which the binary embeds (scripts/setup.sh runs it too).
console:
	@bash scripts/build-console.sh

build: playground console
	$(GO) build -o bin/meridian ./cmd/meridian

## (a) set up and run Meridian on its embedded default with demo traffic
demo: setup build
	./bin/meridian demo

serve: setup build
	./bin/meridian serve

## (b) set up and run the whole test suite
test: setup-test lint check-generate test-go test-console

# The web console in Debian's Chromium (playwright-core) against a real meridian serve.
test-console: build
	cd console && npm run --silent e2e

# 50 inbound WhatsApp messages into an open inbox in Chromium: p50/p95 from the webhook's 200.
bench-console: build
	cd console && node scripts/bench-inbox.mjs

# 10,000 open conversations routed by the engine, an admin's inbox scrolled to the last row.
bench-scroll: build
	cd console && node scripts/bench-scroll.mjs

# Screenshots of the console's screens for the docs (docs/console), on a week of demo traffic.
# Debian's Noto fonts show CJK and Thai text (installed as root when missing).
screenshots: build
	@fc-list | grep -qi "Noto Sans CJK" || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk fonts-noto-core >/dev/null; } || true
	cd console && node scripts/screenshots.mjs

test-go:
	$(GOTESTSUM) --format pkgname-and-test-fails -- -count=1 -timeout 20m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	bash deploy/check.sh >/dev/null
	cd console && npm run --silent typecheck && npm run --silent lint

# gqlgen's GraphQL code, and the Go code of schemas/events/v1/event.proto (protoc-gen-go and
# vtprotobuf, pinned in go.mod; no protoc needed).
generate:
	$(GQLGEN)
	$(GO) run ./schemas/events/gen
	bash scripts/build-console.sh codegen

# Regenerates and fails if the checked-in generated code differs from the schema's.
check-generate: generate
	@git diff --exit-code -- graphql/ schemas/events/v1/eventv1/ console/src/gql/ || (echo "generated code is stale: run make generate and commit"; exit 1)

# Each fuzz target of the parsers of outside input and of the event codec, FUZZTIME each.
FUZZTIME ?= 30s
FUZZ_TARGETS := ./ingest:FuzzDecode ./ingest:FuzzDecodeMatchesStrict ./stream:FuzzDecodeEventNeverPanics ./stream:FuzzIngestNeverStopsARegion \
        ./models/eventjson:FuzzDecodeMatchesEncodingJSON ./models/eventjson:FuzzAppendMatchesGoJSON \
        ./models/eventpb:FuzzDecode ./models/eventpb:FuzzDecodeMatchesRuntime \
        ./forecasting:FuzzReadCSV ./insights/roi:FuzzParse ./compliance:FuzzDetect ./compliance:FuzzParsePolicy ./models:FuzzParseRetention \
        ./channels/whatsapp:FuzzParse ./channels/messenger:FuzzParseMessenger ./channels/messenger:FuzzParseInstagram \
        ./channels/line:FuzzParse ./channels/telegram:FuzzParse ./channels/kakao:FuzzParse ./channels/wechat:FuzzParse \
        ./channels/email:FuzzParse ./channels/webchat:FuzzParseFrame \
        ./translation:FuzzParseDeepL ./translation:FuzzParseGoogle ./translation:FuzzParseLibreTranslate ./translation:FuzzParseOpenAI \
        ./translation:FuzzEnforce ./transcription:FuzzParse ./understanding/language:FuzzDetect ./understanding/urgency:FuzzAssess \
        ./understanding/urgency:FuzzEvaluate ./understanding/intent:FuzzClassify ./understanding/intent:FuzzEvaluate \
        ./understanding/sentiment:FuzzAnalyze ./understanding/refine:FuzzParse ./understanding/refine:FuzzParseAnswer \
        ./channels/whatsapp:FuzzMediaInfo ./channels/telegram:FuzzGetFile ./channels/wechat:FuzzMediaError \
        ./understanding/culture:FuzzAdapt ./understanding/culture:FuzzEvaluate \
        ./conversation:FuzzParseAgents ./conversation/routing:FuzzParseShift ./conversation/routing:FuzzParsePriority \
        ./conversation/sla:FuzzParsePolicy ./conversation/sla:FuzzClock ./conversation/oncall:FuzzParseRota \
        ./knowledge:FuzzParseMarkdown
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $${t#*:} in $${t%%:*}"; \
	  $(GO) test $${t%%:*} -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME); \
	done

bench-ingest: setup-test build
	$(GO) run ./cmd/benchingest

bench-forecast:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./forecasting/...

bench-insights:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./insights/...

# Each platform's verify + parse, then signed deliveries into a real server (webhook -> queryable).
WEBHOOK_RATE ?= 300
bench-webhooks: setup-test build
	$(GO) test -run '^$$' -bench VerifyAndParse -benchmem ./channels/
	$(GO) run ./cmd/benchwebhook --bin bin/meridian --channel whatsapp --rate $(WEBHOOK_RATE) --duration 20s

# The analyzer on the demo traffic: per-core rate, p50/p99, the detector's memory.
# Inbound webhook → analysed, routed and in the assignee's inboxChanged subscription, on the
# embedded default (a new conversation per delivery, 12 agents online).
bench-routed: setup-test build
	$(GO) run ./cmd/benchwebhook --bin bin/meridian --channel whatsapp --routed --rate 20 --duration 30s

bench-understanding:
	$(GO) run ./cmd/evalunderstanding -bench 20s

# One routing decision among 1,000 agents and the next of 10,000 waiting conversations:
# mean, p99 (wall-clock and thread CPU) and memory.
bench-routing:
	$(GO) test -run '^$$' -bench . -benchtime 2s -count 3 ./conversation/routing/

# A week of demo traffic through the router and the round-robin and least-busy baselines,
# with and without follow-the-sun, and the hours each market is covered (EVALUATION.md).
sim-routing:
	$(GO) run ./cmd/simrouting -seed 1 -start 2026-11-30 -days 7

eval-forecast:
	$(GO) run ./cmd/evalforecast --data $(DATA)/bank-calls

# Answers on their labelled multilingual set: top-1 article per language, handovers, latency
# without and with a (fake, local) language model; writes answers/EVALUATION.md.
eval-answers:
	$(GO) run ./cmd/evalanswers --report answers/EVALUATION.md

eval-insights:
	$(GO) run ./cmd/evalinsights

# Language detection on the held-back labelled sets: Meridian's detector against lingua-go
# (all languages, high and low accuracy, markets only) and whatlanggo; accuracy, memory, latency.
eval-language:
	$(GO) run ./cmd/evallanguage --set understanding/language/testdata/heldout.tsv --report understanding/language/EVALUATION.md
	$(GO) run ./cmd/evallanguage --set understanding/language/testdata/heldout2.tsv --report understanding/language/EVALUATION-heldout2.md
	$(GO) run ./cmd/evalunderstanding --report understanding/EVALUATION.md

clean:
	rm -rf bin var
