// Tests build their DHCP LAN (dnsmasq in a network namespace of their own, over a veth pair) with
// the same helper as the hil scenarios (host-tools/sim/w5500/dhcp-rig.ts).
export { startDhcpRig, type DhcpRig, type DhcpRigOptions } from '../../host-tools/sim/w5500/dhcp-rig.ts';
