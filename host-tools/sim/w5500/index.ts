// The W5500 chip model: public surface.
export {
  W5500, DATASHEET_TIMING, DEFAULT_TIMING, type W5500Options, type W5500Timing, type SpiCounters,
} from './w5500.ts';
export { AddressMap, type HostEndpoint } from './address-map.ts';
export { FaultInjector } from './faults.ts';
export { FrameTrace } from './trace.ts';
export { w5500Imports, BoardAbiError, type W5500BoardImports } from './imports.ts';
export * from './registers.ts';
