// Types for the parts of cli-progress we use (the package ships none; @types/cli-progress is
// not installed and this keeps the shared package.json untouched).
declare module 'cli-progress' {
  interface Options {
    format?: string;
    stream?: NodeJS.WriteStream;
    hideCursor?: boolean;
    clearOnComplete?: boolean;
  }
  export class SingleBar {
    constructor(opts: Options, preset?: object);
    start(total: number, start: number, payload?: Record<string, unknown>): void;
    update(value: number, payload?: Record<string, unknown>): void;
    stop(): void;
  }
  export const Presets: { shades_classic: object };
  const _default: { SingleBar: typeof SingleBar; Presets: typeof Presets };
  export default _default;
}
