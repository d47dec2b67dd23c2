/**
 * Runs a background task one at a time: a trigger while it runs asks for exactly one more
 * run afterwards, so bursts of events never stack up concurrent passes over the same queue.
 */
export function createCoalescingRunner(task: () => Promise<void>, onError: (error: unknown) => void, isStopped: () => boolean) {
  let current: Promise<void> | undefined;
  let again = false;
  function trigger(): void {
    if (isStopped()) return;
    if (current) {
      again = true;
      return;
    }
    current = task()
      .catch(onError)
      .finally(() => {
        current = undefined;
        if (again) {
          again = false;
          trigger();
        }
      });
  }
  return {
    trigger,
    /** The run in progress, for callers that wait until the work is done. */
    get current() {
      return current;
    },
  };
}
