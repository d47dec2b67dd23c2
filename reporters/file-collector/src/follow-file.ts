import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Where reading stopped in one file; `head` identifies the file's first bytes, to notice copytruncate. */
export type FileState = { dev: number; ino: number; offset: number; headLength: number; head: string };

/** A complete line and the state to persist once it (and everything before it) is delivered. */
export type Line = { text: string; after: FileState };

export type ReadResult = { lines: Line[]; state: FileState | undefined; notes: string[] };

const headBytes = 256;
const chunkBytes = 1024 * 1024;
const maxLineBytes = 1024 * 1024;

const hash = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/**
 * Reads complete lines from `offset` to the end of an open file, at most `budget` bytes.
 * With `final`, a last line without a newline counts too (the file was rotated away and is done).
 */
async function readLines(handle: FileHandle, start: FileState, budget: number, final: boolean): Promise<{ lines: Line[]; state: FileState; notes: string[] }> {
  const lines: Line[] = [];
  const notes: string[] = [];
  let state = { ...start };
  let carry: Buffer = Buffer.alloc(0);
  let position = state.offset;
  let skipping = false;
  while (position - start.offset < budget) {
    const chunk = await readAt(handle, position, chunkBytes);
    if (chunk.length === 0) break;
    position += chunk.length;
    let data: Buffer = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let dataStart = position - data.length;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10)) {
      const end = dataStart + newline + 1;
      state = await withHead(handle, { ...state, offset: end });
      if (!skipping) lines.push({ text: data.subarray(0, newline).toString('utf8'), after: state });
      skipping = false;
      data = data.subarray(newline + 1);
      dataStart = end;
    }
    carry = data;
    if (carry.length > maxLineBytes) {
      notes.push(`skipped a line longer than ${maxLineBytes} bytes at offset ${dataStart}`);
      state = await withHead(handle, { ...state, offset: dataStart + carry.length });
      carry = Buffer.alloc(0);
      skipping = true;
    }
  }
  if (final && carry.length > 0 && !skipping) {
    state = await withHead(handle, { ...state, offset: state.offset + carry.length });
    lines.push({ text: carry.toString('utf8'), after: state });
  }
  return { lines, state, notes };
}

async function withHead(handle: FileHandle, state: FileState): Promise<FileState> {
  if (state.headLength >= headBytes || state.offset <= state.headLength) return state;
  const length = Math.min(headBytes, state.offset);
  return { ...state, headLength: length, head: hash(await readAt(handle, 0, length)) };
}

/** A renamed log (`app.log.1`, `app.log-20250101`) is found again by its inode, in the same directory. */
async function findRotated(file: string, previous: FileState): Promise<string | undefined> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  for (const name of names.filter((n) => n !== base && n.startsWith(base)).sort()) {
    try {
      const info = await stat(path.join(dir, name));
      if (info.ino === previous.ino && info.dev === previous.dev) return path.join(dir, name);
    } catch {
      // Removed while we looked.
    }
  }
  return undefined;
}

async function sameHead(handle: FileHandle, state: FileState): Promise<boolean> {
  if (state.headLength === 0) return true;
  return hash(await readAt(handle, 0, state.headLength)) === state.head;
}

/**
 * What is new in `file` since `previous`: the rest of a rotated-away file first, then the current
 * file from its start; after copytruncate (same inode, shorter or different head) the file is re-read
 * from its start. Nothing is marked read until the caller persists a line's `after` state.
 */
export async function readNew(file: string, previous: FileState | undefined, options: { budget?: number; fromEnd?: boolean } = {}): Promise<ReadResult> {
  const budget = options.budget ?? 8 * chunkBytes;
  const notes: string[] = [];
  const lines: Line[] = [];
  let current: Stats | undefined;
  try {
    current = await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }

  let state = previous;
  if (previous && (!current || current.ino !== previous.ino || current.dev !== previous.dev)) {
    const rotated = await findRotated(file, previous);
    if (rotated) {
      const handle = await open(rotated, 'r');
      try {
        // Each of these lines carries the old file's offset, so a partial delivery resumes inside it.
        const rest = await readLines(handle, previous, Number.POSITIVE_INFINITY, true);
        lines.push(...rest.lines);
        notes.push(...rest.notes);
        state = rest.state;
      } finally {
        await handle.close();
      }
    } else if (current) {
      notes.push(`${file} was replaced and its previous file is gone; lines after offset ${previous.offset} of it may be lost`);
    }
    // Until the new file appears, the old one's state stays, so its last lines are not read twice.
    if (!current) return { lines, state, notes };
    state = undefined;
  }
  if (!current) return { lines, state, notes };

  const handle = await open(file, 'r');
  try {
    if (!state) {
      const offset = options.fromEnd && !previous ? current.size : 0;
      state = await withHead(handle, { dev: current.dev, ino: current.ino, offset, headLength: 0, head: '' });
    } else if (current.size < state.offset || !(await sameHead(handle, state))) {
      notes.push(`${file} was truncated; reading it again from the start`);
      state = { ...state, offset: 0, headLength: 0, head: '' };
    }
    const fresh = await readLines(handle, state, budget, false);
    lines.push(...fresh.lines);
    notes.push(...fresh.notes);
    return { lines, state: fresh.state, notes };
  } finally {
    await handle.close();
  }
}
