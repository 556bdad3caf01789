# wasmqtt: the two commands a new machine needs are `make demo` and `make test`.
# Each layer keeps its build rules in mk/<layer>.mk and adds to the lists below.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

# Debian packages the project uses (installed on demand, only when missing).
APT_PKGS := gcc libc6-dev mosquitto gcc-arm-none-eabi libnewlib-arm-none-eabi libunicorn2 libunicorn-dev wabt binaryen socat openocd
# Artifacts the tests, the demo and the benchmarks need; layers append to it.
BUILD_ARTIFACTS :=
# Extra commands run before vitest in `make test` (short fuzz runs and the like).
TEST_EXTRA :=

NODE_TS := node --import tsx

include $(sort $(wildcard mk/*.mk))

.PHONY: help deps apt npm build test demo bench soak fuzz typecheck lint clean
help:
	@echo "make demo   - run the demo on embedded defaults (no board, no external broker)"
	@echo "make test   - install what is needed, build, and run every test suite"
	@echo "make lint   - ESLint on host-tools/, bench/, test/ (make test runs it, and tsc)"
	@echo "make bench  - print benchmark figures and write bench/results.json"
	@echo "make fuzz   - long fuzz runs;  make soak - long soak runs"

deps: apt npm
apt:
	@scripts/ensure-apt.sh $(APT_PKGS)
npm: node_modules/.package-lock.json
# One npm ci at a time: npm ci first deletes node_modules, so a second make started meanwhile
# would see the tree missing and start another, deleting the first one's half-done install.
# Under the lock, a make that waited finds the install done and skips it.
node_modules/.package-lock.json: package-lock.json
	@mkdir -p build && flock build/.npm-ci.lock sh -c 'test node_modules/.package-lock.json -nt package-lock.json || \
	  { npm ci --no-audit --no-fund --loglevel=error >/dev/null && touch node_modules/.package-lock.json; }'

build: deps $(BUILD_ARTIFACTS)

typecheck: deps
	@tsc --noEmit -p tsconfig.json

# ESLint on the host TypeScript (eslint.config.js; firmware/ is AssemblyScript, not linted).
# Silent when clean; the cache in build/ makes a re-run after a small edit take a few seconds.
lint: deps
	@eslint --cache --cache-location build/.eslintcache --max-warnings 0 .

test: build typecheck lint
	@for t in $(TEST_EXTRA); do $(MAKE) --no-print-directory $$t || exit 1; done
	@mkdir -p build; status=0; vitest run --reporter=default --reporter=json --outputFile.json=build/vitest.json || status=$$?; \
	  node scripts/test-summary.mjs build/vitest.json; exit $$status

demo: build
	@$(NODE_TS) host-tools/demo/main.ts

bench: build
	@$(NODE_TS) bench/run.ts

clean:
	rm -rf build
