# Node host (host-tools/sim/host, NodeDevice): nothing to build beyond core.wasm (mk/core.mk).
# `make soak` runs the exactly-once fault test long: 20,000 QoS 2 messages each way through
# random connection cuts (the short, 1,000-message version runs inside `make test`), spaced
# wider; the file's RST stress run keeps its 300 messages and default cut spacing.
.PHONY: soak-host
soak: soak-host
soak-host: build
	@WASMQTT_FAULT_MESSAGES=$${WASMQTT_FAULT_MESSAGES:-20000} WASMQTT_FAULT_TIMEOUT_MS=3600000 \
	  WASMQTT_FAULT_CUT_MIN_BYTES=$${WASMQTT_FAULT_CUT_MIN_BYTES:-1000} WASMQTT_FAULT_CUT_MAX_BYTES=$${WASMQTT_FAULT_CUT_MAX_BYTES:-12000} \
	  vitest run test/host/exactly-once.test.ts
