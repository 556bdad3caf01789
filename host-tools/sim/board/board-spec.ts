// The board description the virtual board and NodeDevice need: boards/<name>.json (or a board
// file by path), read by the tools' one board reader, fwbuild/boards.ts, which checks it against
// the same zod schema `wasmqtt build` uses, so a broken file gives the same clear message.
import { loadBoard, loadBoardFile, type Board } from '../../fwbuild/boards.ts';

export type BoardSpec = Board;

/** A board by name (boards/<name>.json) or by the path of its .json file. */
export function loadBoardSpec(nameOrPath: string): BoardSpec {
  return nameOrPath.endsWith('.json') ? loadBoardFile(nameOrPath) : loadBoard(nameOrPath);
}

/** "PA4" → { port: 0, pin: 4 }. */
export function parsePin(name: string): { port: number; pin: number } {
  return { port: name.charCodeAt(1) - 65, pin: Number(name.slice(2)) };
}
