/**
 * Combines abort signals like AbortSignal.any, but with an explicit dispose. AbortSignal.any keeps every
 * combined signal registered on its sources; with long-lived sources (the server's shutdown signal, the
 * client's close signal) that list grows with every request on Node 20, so memory grew under load.
 */
import { setMaxListeners } from "node:events";

/**
 * A signal that many concurrent requests listen to at once (a client's close, a server's shutdown, one tool
 * call's signal shared by its pages): one listener per request in flight is expected there, and each is
 * removed when its request ends, so Node's 10-listener leak warning would only be noise on stderr.
 */
export function sharedSignal(controller: AbortController): AbortSignal {
  setMaxListeners(0, controller.signal);
  return controller.signal;
}

export interface LinkedSignal {
  signal: AbortSignal;
  dispose(): void;
}

export function linkSignals(sources: (AbortSignal | undefined)[], timeoutMs?: number): LinkedSignal {
  const controller = new AbortController();
  sharedSignal(controller);
  const cleanups: (() => void)[] = [];
  if (timeoutMs !== undefined) {
    // Like AbortSignal.timeout, but the timer is cleared on dispose instead of living on for timeoutMs.
    const timer = setTimeout(
      () => controller.abort(new DOMException("timed out", "TimeoutError")),
      timeoutMs,
    );
    timer.unref();
    cleanups.push(() => clearTimeout(timer));
  }
  for (const source of sources) {
    if (!source) continue;
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    const onAbort = () => controller.abort(source.reason);
    source.addEventListener("abort", onAbort, { once: true });
    cleanups.push(() => source.removeEventListener("abort", onAbort));
  }
  return {
    signal: controller.signal,
    dispose() {
      for (const cleanup of cleanups.splice(0)) cleanup();
    },
  };
}
