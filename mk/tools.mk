# Host tools (flash, probes, monitor, doctor, HIL runner): TypeScript run by tsx, nothing to
# compile. `make doctor` checks the machine; `make hil` runs the HIL suite on the console's LAN image in
# Node against a Mosquitto the runner starts (JSON report and ladder SVGs in build/hil/).
.PHONY: doctor hil
doctor:
	@$(NODE_TS) host-tools/cli/main.ts doctor
hil: build
	@$(NODE_TS) host-tools/cli/main.ts hil --node --json build/hil/report.json --svg-dir build/hil
