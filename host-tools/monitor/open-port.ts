// Opens a serial port (real or pty) with clear errors for the usual failures.
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { UserError } from '../config/load.ts';

export async function openSerialPort(path: string, baudRate: number): Promise<SerialPort> {
  if (!existsSync(path)) {
    throw new UserError(`serial port ${path} does not exist\n  list the candidates: wasmqtt monitor --list`);
  }
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => {
    port.open((err) => {
      if (!err) return resolve();
      const m = err.message;
      if (/EACCES|Permission denied/i.test(m)) {
        reject(
          new UserError(
          `no permission to open ${path}\n  add yourself to the dialout group: sudo usermod -aG dialout $USER, then ` +
          `log out and in again`));
      } else if (/EBUSY|Resource busy|lock/i.test(m)) {
        reject(
          new UserError(`${path} is in use by another program (another monitor, screen, minicom?); close it first`));
      } else {
        reject(new UserError(`cannot open ${path}: ${m}`));
      }
    });
  });
  return port;
}
