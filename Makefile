# EverAI Worker Console — see README.md. Every target installs what it needs.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# binaryen's wasm-opt from npm comes first: Debian's older one breaks release builds.
CARGO_HOME ?= $(HOME)/.cargo
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(CARGO_HOME)/bin:$(PATH)

# Every cargo-leptos build passes --split: the pages other than the worker
# page are lazy routes, and their wasm loads only from split files (an
# unsplit build's script imports a placeholder module and never hydrates).

# cargo-leptos sets this for its builds; setting the same value for plain
# cargo keeps the leptos crates from rebuilding between the two.
export LEPTOS_OUTPUT_NAME := everai_console
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

# The end-to-end suite gets its own port, so it can run beside `make run`.
E2E_SITE_ADDR ?= 127.0.0.1:3300
# The built-in simulator on a known loopback port and token, so the tests can
# drive it (fault injection, launch times) as well as the console.
E2E_SIM_ADDR ?= 127.0.0.1:3302
# A fresh audit log for every run. The tests change the simulator between
# reads (faults, launches), so every read must reach it: no kept lists. A
# short breaker pause lets the fault tests see an app come back, and the
# suite's many scale actions all come from one anonymous person.
E2E := LEPTOS_SITE_ADDR=$(E2E_SITE_ADDR) LEPTOS_RELOAD_PORT=3301 \
	EVERAI_SIM_ADDR=$(E2E_SIM_ADDR) EVERAI_SIM_TOKEN=e2e-simulator \
	CONSOLE_LIST_CACHE_MS=0 CONSOLE_BREAKER_PAUSE_SECS=5 CONSOLE_ACTIONS_PER_MINUTE=600 \
	CONSOLE_DATABASE_URL=sqlite://$$(mktemp -d)/audit.sqlite3 cargo leptos end-to-end --split

.PHONY: help setup setup-test run run-release watch test lint fmt test-rust test-compat e2e e2e-release dist test-proxy load bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-12s %s\n", $$1, $$2 }'

setup: ## install the build tools that are missing
	@scripts/setup.sh

setup-test: ## install the build and test tools that are missing
	@scripts/setup.sh --test

run: setup ## build and serve the console on http://127.0.0.1:3000 (LEPTOS_SITE_ADDR)
	cargo leptos serve --split

run-release: setup ## the same, optimised (slower to build), static files precompressed
	cargo leptos serve --release --precompress --split

watch: setup ## serve and rebuild on every change
	cargo leptos watch --split

test: setup-test lint test-rust test-compat e2e test-proxy ## formatting, clippy, Rust tests, reference-client test, Playwright, the archive behind nginx

lint: ## rustfmt and clippy with -D warnings, for both the server and the browser build
	cargo fmt --all -- --check
	cargo clippy -p app -p server -p everai-api -p everai-sim -p console-store --features everai-api/client --all-targets --locked -- -D warnings
	cargo clippy -p frontend -p everai-api --target wasm32-unknown-unknown --locked -- -D warnings

fmt: ## format the code
	cargo fmt --all

test-rust: setup-test ## unit, client, storage (SQLite and a private PostgreSQL) and router tests
	scripts/with-postgres.sh cargo test -p app -p server -p everai-api -p everai-sim -p console-store --features everai-api/client --locked

test-compat: setup-test ## the platform's own Python client against the simulator
	cargo build -p everai-sim --locked
	EVERAI_SIM_BIN=target/debug/everai-sim .tools/everai-venv/bin/python -m unittest -v compat/test_reference_client.py

e2e: setup-test ## Playwright against a debug build
	@scripts/port-free.sh $(E2E_SITE_ADDR)
	@scripts/port-free.sh $(E2E_SIM_ADDR)
	@rm -f end2end/test-results/.last-run.json
	E2E_CONSOLE_BIN=target/debug/everai-console $(E2E)
	@scripts/e2e-ran.sh

e2e-release: setup-test ## Playwright against the release build (what CI also runs)
	@scripts/port-free.sh $(E2E_SITE_ADDR)
	@scripts/port-free.sh $(E2E_SIM_ADDR)
	@rm -f end2end/test-results/.last-run.json
	E2E_CONSOLE_BIN=target/release/everai-console $(E2E) --release --precompress
	@scripts/e2e-ran.sh

dist: setup ## the release console as one archive that runs without Rust, Node or sources: target/dist/
	cargo leptos build --release --precompress --split
	scripts/dist.sh

test-proxy: setup-test dist ## the archive's two replicas behind Debian's nginx (HTTPS, basic auth), in Chromium
	cargo build -p everai-sim --locked
	scripts/with-postgres.sh scripts/proxy-test.sh

load: ## 200 connections for 60 s on a worker page of the release build (wrk); report in target/load/
	scripts/load.sh

bench: ## page weight, render cost, viewers, memory and browser timings against their targets; report in target/bench/
	scripts/bench.sh
