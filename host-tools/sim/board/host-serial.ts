// USART1 for the host side (the model itself is usart.ts): a Node Duplex stream (tests, the HIL
// runner) and a pseudo-terminal (`wasmqtt monitor`, screen, minicom). Node has no pty API, so the pty comes from socat
// (Debian `socat`): `socat PTY,raw,echo=0 STDIO` gives a /dev/pts/N whose other end is socat's
// stdin/stdout, which we pipe to and from the stream.
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import type { VirtualBoard } from './board.ts';

/** Bytes the firmware transmits come out; bytes written go into USART1 RX. */
export class UartStream extends Duplex {
  private pending: number[] = [];
  private flushScheduled = false;
  private readonly onByte = (b: number) => {
    this.pending.push(b);
    if (!this.flushScheduled) { this.flushScheduled = true; setImmediate(() => this.flush()); }
  };

  constructor(private readonly board: VirtualBoard) {
    super();
    board.on('uart', this.onByte);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending);
    this.pending = [];
    this.push(chunk);
  }

  override _read(): void { /* data is pushed as the firmware transmits */ }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.board.uartInput(new Uint8Array(chunk));
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.board.off('uart', this.onByte);
    cb(err);
  }
}

/** A pseudo-terminal wired to a UartStream; `path` is the /dev/pts/N to open. */
export class UartPty {
  private constructor(readonly path: string, private readonly proc: ChildProcess) {}

  /**
   * Starts socat and wires it to `stream` exactly once. socat's `-d -d` log names the pty on its
   * first line and keeps logging afterwards ("starting data transfer loop", ...), in as many
   * stderr chunks as the scheduler makes: the log is parsed until the first match only, or
   * every later chunk would pipe the stream again and each byte would travel twice (garbled
   * output, commands run twice). `socat` is the executable (default: socat on PATH).
   */
  static open(stream: Duplex, link?: string, socat = 'socat'): Promise<UartPty> {
    const addr = `PTY,raw,echo=0${link ? `,link=${link}` : ''}`;
    let proc: ChildProcess;
    try {
      proc = spawn(socat, ['-d', '-d', addr, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      return Promise.reject(
        new Error(`cannot start socat for the UART pty (${(err as Error).message}); install Debian's socat`));
    }
    return new Promise((resolve, reject) => {
      let log = '';
      let wired = false;
      const fail = (why: string) =>
        reject(new Error(`socat could not make a pty: ${why}; is Debian's socat installed?`));
      proc.on('error', (e) => { if (!wired) fail(e.message); });
      proc.on('exit', (code) => { if (!wired) fail(`exited with ${code}: ${log.trim()}`); });
      proc.stderr!.on('data', (d: Buffer) => {
        if (wired) return; // later log lines: drained, never parsed again
        log += d.toString();
        const m = /PTY is (\S+)/.exec(log);
        if (!m) return;
        wired = true;
        stream.pipe(proc.stdin!);
        proc.stdout!.pipe(stream);
        resolve(new UartPty(link ?? m[1]!, proc));
      });
    });
  }

  close(): void { this.proc.kill('SIGTERM'); }
}
