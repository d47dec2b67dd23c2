import path from 'node:path';
import type { Level, ReportInput } from '../../../server/src/schemas/report.ts';
import { type SenderOptions, sendReports } from '../../shared/report-sender.ts';
import { type FileState, readNew } from './follow-file.ts';
import { levelRank, parseLogLine } from './log-entry.ts';
import { type CollectorState, loadState, saveState } from './state-file.ts';
import { toReport } from './to-report.ts';

export type CollectorOptions = {
  files: string[];
  stateFile: string;
  minLevel: Level;
  projectId?: string;
  environment?: string;
  release?: string;
  /** Files seen for the first time start at their end instead of their start. */
  fromEnd?: boolean;
  /** Where reports go; `sendReports` to Log Center unless a test or --dry-run says otherwise. */
  /** False for --dry-run: offsets are read, never written. */
  persist?: boolean;
  send: (reports: ReportInput[]) => Promise<{ accepted: number; rejected: { index: number; message: string }[] }>;
  log?: (message: string) => void;
};

export type PassResult = { forwarded: number; rejected: number; skipped: number };

// Under the sender's byte limit, so one batch is one request and delivery is all or nothing.
const maxBatchReports = 100;
const maxBatchBytes = 512 * 1024;

export function senderFor(options: Pick<SenderOptions, 'url' | 'apiKey' | 'maxAttempts' | 'onRetry'>): CollectorOptions['send'] {
  return (reports) => sendReports(reports, options);
}

/**
 * Follows JSON-lines log files and forwards entries at `minLevel` and above as runtime reports.
 * The state file records, per file, what has been delivered: a restart resumes exactly there.
 */
export async function createCollector(options: CollectorOptions) {
  const log = options.log ?? (() => {});
  const files = options.files.map((file) => path.resolve(file));
  const state: CollectorState = await loadState(options.stateFile);
  const minRank = levelRank(options.minLevel);

  async function commit(file: string, after: FileState) {
    state[file] = after;
    if (options.persist !== false) await saveState(options.stateFile, state);
  }

  /** Reads each file up to its end once; resolves when everything read is delivered. */
  async function pass(): Promise<PassResult> {
    const result: PassResult = { forwarded: 0, rejected: 0, skipped: 0 };
    for (const file of files) {
      for (;;) {
        const read = await readNew(file, state[file], { fromEnd: options.fromEnd });
        for (const note of read.notes) log(note);
        let batch: ReportInput[] = [];
        let bytes = 0;
        let batchEnd: FileState | undefined;
        const flush = async () => {
          if (batch.length > 0) {
            const sent = await options.send(batch);
            result.forwarded += sent.accepted;
            result.rejected += sent.rejected.length;
            for (const rejection of sent.rejected) log(`Log Center rejected a report from ${file}: ${rejection.message}`);
          }
          if (batchEnd) await commit(file, batchEnd);
          batch = [];
          bytes = 0;
          batchEnd = undefined;
        };
        for (const line of read.lines) {
          const entry = parseLogLine(line.text);
          if (entry && levelRank(entry.level) >= minRank) {
            const report = toReport(entry, { ...options, file });
            const size = Buffer.byteLength(JSON.stringify(report));
            if (batch.length >= maxBatchReports || (batch.length > 0 && bytes + size > maxBatchBytes)) await flush();
            batch.push(report);
            bytes += size;
          } else result.skipped += 1;
          batchEnd = line.after;
        }
        await flush();
        const changed = JSON.stringify(read.state) !== JSON.stringify(state[file]);
        if (read.state && changed) await commit(file, read.state);
        if (read.lines.length === 0) break;
      }
    }
    return result;
  }

  let stopped = false;
  let wake: (() => void) | undefined;

  return {
    pass,
    /** Polls until `stop()`; a failed delivery is retried on the next poll from the same offset. */
    async run(intervalMs: number) {
      while (!stopped) {
        try {
          await pass();
        } catch (error) {
          log(`delivery failed, will retry: ${(error as Error).message}`);
        }
        if (stopped) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, intervalMs);
        });
      }
    },
    stop() {
      stopped = true;
      wake?.();
    },
  };
}
