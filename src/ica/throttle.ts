/**
 * What the client needs of a rate limit: `acquire` resolves with the `release` to call once the request's answer
 * or failure came back, and rejects with the signal's reason when aborted first (or with an `IcaError` when the
 * limit cannot be kept: the request is then not sent). `RequestThrottle` is the in-process one; `redis-limit.ts`
 * keeps one budget per identity across processes.
 */
export interface RequestLimiter {
  acquire(signal?: AbortSignal): Promise<() => void>;
  close?(): Promise<void>;
}

/**
 * The client-side rate limit, counted so that ICA can never see more than `limit` requests in any sliding
 * window of `windowMs` however requests are delayed on the way (connection-pool queueing, event-loop stalls,
 * network jitter).
 *
 * A request holds a slot from the moment it is let go until `windowMs` after its answer (or failure) came
 * back. ICA received it somewhere between those two moments, so for any window of ICA's arrivals, the last
 * request let go saw every other one in that window still holding its slot, and was let go only because
 * fewer than `limit` were held. Counting from the moment a slot was granted (as a token bucket does) lets
 * requests that wait in the pool, or arrive late, bunch up at ICA.
 */
export class RequestThrottle implements RequestLimiter {
  /** Answer times (ms, monotonic, ascending) of finished requests that still count. */
  private readonly finished: number[] = [];
  private inFlight = 0;
  private readonly waiters: { grant: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly limit: number,
    readonly windowMs = 1_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error("throttle limit must be a whole number from 1");
  }

  /**
   * Waits for a slot (FIFO). Resolves with `done`, to be called once the request's answer or failure arrived;
   * rejects with the signal's reason when it is aborted first (the waiter then holds nothing).
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          this.inFlight++;
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            this.inFlight--;
            this.finished.push(this.now());
            this.pump();
          });
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason);
        this.pump();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** Slots held right now (in flight plus recently answered); for tests and stats. */
  held(): number {
    this.prune();
    return this.inFlight + this.finished.length;
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    let n = 0;
    while (n < this.finished.length && this.finished[n]! <= cutoff) n++;
    if (n > 0) this.finished.splice(0, n);
  }

  private pump(): void {
    this.prune();
    while (this.waiters.length > 0 && this.inFlight + this.finished.length < this.limit) {
      this.waiters.shift()!.grant();
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.waiters.length === 0 || this.inFlight >= this.limit) return; // a release wakes us
    // Wake when enough finished requests have left the window to free one slot.
    const mustExpire = this.inFlight + this.finished.length - this.limit + 1;
    const at = this.finished[mustExpire - 1]! + this.windowMs;
    this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(at - this.now()) + 1));
  }
}
