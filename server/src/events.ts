import { EventEmitter } from 'node:events';

/** `bug.regressed`: a fixed or resolved bug happened again and is `new` once more. */
export type BugEvent = {
  type: 'bug.created' | 'bug.updated' | 'bug.regressed';
  bug_id: number;
  project_id: string;
  /** Occurrences this change added (0 for a triage change). */
  occurrences?: number;
  /** A language-model analysis of the bug was just stored. */
  analyzed?: boolean;
};

/** In-process fan-out of bug changes, for live dashboards. */
export class BugEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(event: BugEvent): void {
    this.emitter.emit('bug', event);
  }

  subscribe(listener: (event: BugEvent) => void): () => void {
    this.emitter.on('bug', listener);
    return () => this.emitter.off('bug', listener);
  }
}
