// The HIL runner's view of a device: the few operations every scenario needs, whatever runs
// the core (NodeDevice in Node, the virtual board or a real board over its UART console).
// Each adapter maps these onto its transport; scenarios never see the transport.
import type { DhcpRig } from '../sim/w5500/dhcp-rig.ts';
import { EventEmitter } from 'node:events';
import type { Side } from './trace.ts';

export interface ClientSettings {
  /** mqtt://host:port the device must connect to. */
  broker: string;
  clientId: string;
  cleanSession: boolean;
  keepalive: number;
  will?: { topic: string; payload: string; qos: 0 | 1 | 2; retain: boolean };
  /**
   * Give the device the broker as this host name (its DNS client resolves it through `dnsServer`, host:port of a DNS
   * server on this machine).
   */
  brokerName?: string;
  dnsServer?: string;
  /**
   * Lease the device's address from this LAN's DHCP server (dnsmasq in a network namespace: sim/w5500/dhcp-rig.ts); the
   * broker is on its router address.
   */
  dhcp?: DhcpRig;
}

export interface DeviceMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  dup: boolean;
}

export interface DevicePacket {
  from: Side;
  packet: string;
  packetId?: number;
  qos?: number;
  dup?: boolean;
}

/** The broker refused the CONNECT with this CONNACK return code. */
export class ConnectRefused extends Error {
  constructor(readonly returnCode: number, message: string) {
    super(message);
    this.name = 'ConnectRefused';
  }
}

/**
 * Events: 'message' (DeviceMessage), 'packet' (DevicePacket, one per MQTT packet on the wire),
 * 'connected', 'disconnected', 'device-error' ({code, message}: protocol errors the core reported;
 * code is the core's number, or its name when it came over the console).
 */
export interface HilDevice extends EventEmitter {
  readonly description: string;
  /** Power can be cut and restored (virtual board, NodeDevice, or a real board with a relay hook). */
  readonly canPowerCycle: boolean;
  /** The Ethernet link can be taken down and up. */
  readonly canControlLink: boolean;
  /** The device can reach brokers the runner opens on this machine's loopback (scripted brokers). */
  readonly reachesRunnerLoopback: boolean;
  /** The device has a DNS client and takes ClientSettings.brokerName (a module with the LAN services). */
  readonly resolvesNames?: boolean;
  /** The device has a DHCP client and takes ClientSettings.dhcp; it emits 'dhcp' (the core's EV_DHCP, decoded). */
  readonly leasesAddress?: boolean;
  /** Configures the client and connects; resolves on CONNACK 0, rejects with ConnectRefused. */
  connect(settings: ClientSettings): Promise<{ sessionPresent: boolean }>;
  /** Resolves when QoS 0 is handed over, on PUBACK (1) or PUBCOMP (2). */
  publish(topic: string, payload: string, qos: 0 | 1 | 2, retain?: boolean): Promise<void>;
  subscribe(filter: string, qos: 0 | 1 | 2): Promise<number>;
  unsubscribe(filter: string): Promise<void>;
  /** Graceful: DISCONNECT then close. */
  disconnect(): Promise<void>;
  /** Power cut: no DISCONNECT, no FIN; the persistent store keeps what was written. */
  powerOff(): Promise<void>;
  /** Power back: boots, and reconnects with the last settings (clean session as configured). */
  powerOn(): Promise<void>;
  linkDown(): Promise<void>;
  linkUp(): Promise<void>;
  /** Resolves on the next 'connected' (or now, if connected). */
  waitConnected(timeoutMs: number): Promise<void>;
  /** The device's own clock in ms, where the runner can read it (a virtual board's virtual time).
   * Bounds on the device's reactions are measured on it when it is there: an emulator that falls
   * behind the wall clock under load is not a slow device. */
  deviceMillis?(): number;
  /** Outgoing QoS 1/2 messages the device still holds (in flight + queued), as its core counts them. */
  outgoingHeld(): Promise<number>;
  isConnected(): boolean;
  close(): Promise<void>;
}

/** Shared event plumbing for adapters. */
export abstract class DeviceBase extends EventEmitter {
  protected connected = false;

  protected markConnected(on: boolean): void {
    this.connected = on;
    this.emit(on ? 'connected' : 'disconnected');
  }

  isConnected(): boolean {
    return this.connected;
  }

  waitConnected(timeoutMs: number): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.off('connected', on);
        reject(new Error(`device did not reconnect within ${timeoutMs} ms`)); }, timeoutMs);
      const on = (): void => { clearTimeout(t); resolve(); };
      this.once('connected', on);
    });
  }
}
