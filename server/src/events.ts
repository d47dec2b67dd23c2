import { EventEmitter } from 'node:events';

export type BugEvent = { type: 'bug.created' | 'bug.updated'; bug_id: number; project_id: string };

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
