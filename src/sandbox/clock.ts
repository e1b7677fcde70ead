/** The sandbox's notion of "now" for stored objects (timestamps, idempotency expiry, analysis progress). */
export const BASE_TIME = Date.parse("2026-11-01T00:00:00Z");

/** ISO 8601 in UTC without milliseconds, the way ICA prints date-times ("2026-11-01T08:30:00Z"). */
export function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/**
 * Starts at BASE_TIME and runs with real elapsed time (so a demo's analyses progress on their own); tests
 * that need exact values call freeze(), and advance() moves it forward (also ages JWTs: see auth.ts).
 */
export class SandboxClock {
  private readonly realStart = Date.now();
  private offset = 0;
  private frozenAt: number | undefined;

  constructor(readonly base: number = BASE_TIME) {}

  now(): number {
    const elapsed = this.frozenAt ?? Date.now() - this.realStart;
    return this.base + elapsed + this.offset;
  }

  iso(): string {
    return iso(this.now());
  }

  /** Milliseconds added by advance(); the JWT clock adds this to the wall clock. */
  get advancedMs(): number {
    return this.offset;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new Error("clock.advance needs a finite, non-negative ms value");
    this.offset += ms;
  }

  /** Stops the real-time drift (true) or resumes it (false); advance() still works while frozen. */
  freeze(frozen = true): void {
    if (frozen && this.frozenAt === undefined) this.frozenAt = Date.now() - this.realStart;
    if (!frozen && this.frozenAt !== undefined) {
      this.offset -= Date.now() - this.realStart - this.frozenAt;
      this.frozenAt = undefined;
    }
  }
}
