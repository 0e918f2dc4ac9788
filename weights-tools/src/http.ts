/**
 * fetch with the guards a downloader needs and fetch lacks: a deadline for the response headers (connect + first
 * byte), an idle deadline between body chunks, redirects followed by hand so that the token goes only to the
 * configured endpoint's origin, and backoff delays between retries.
 */

export interface Timeouts {
  /** From the request until the response headers arrive (covers connecting). Default 30 s. */
  firstByteMs?: number;
  /** Longest pause between two body chunks. Default 60 s. */
  idleMs?: number;
}

export interface Backoff {
  /** First retry delay; doubles each retry (default 1 s). */
  baseMs?: number;
  /** Largest delay (default 30 s). */
  maxMs?: number;
}

export const DEFAULT_TIMEOUTS: Required<Timeouts> = { firstByteMs: 30_000, idleMs: 60_000 };
export const DEFAULT_BACKOFF: Required<Backoff> = { baseMs: 1000, maxMs: 30_000 };

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** Delay before retry `n` (0-based): base * 2^n capped at max, with "equal jitter" (half fixed, half random). */
export function backoffDelay(n: number, b: Backoff = {}): number {
  const { baseMs, maxMs } = { ...DEFAULT_BACKOFF, ...b };
  const d = Math.min(maxMs, baseMs * 2 ** n);
  return d / 2 + Math.random() * (d / 2);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface GuardedResponse {
  res: Response;
  /** The URL that answered (after same-request redirects). */
  url: string;
  /** The body as chunks, each awaited under the idle deadline. */
  chunks(): AsyncIterable<Uint8Array>;
}

/**
 * One request: headers within `firstByteMs`, then body chunks each within `idleMs`. `authOrigin` is the only
 * origin that gets `authorization`; redirects (`follow`) are followed here, at most 10, with the header dropped
 * on every hop that leaves that origin.
 */
export async function guardedFetch(
  url: string,
  init: { method?: string; headers: Record<string, string>; token?: string; authOrigin: string; follow: boolean },
  timeouts: Timeouts = {},
): Promise<GuardedResponse> {
  const t = { ...DEFAULT_TIMEOUTS, ...timeouts };
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let timedOut: string | null = null;
  const arm = (ms: number, what: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = what;
      ac.abort();
    }, ms);
  };
  const fail = (e: unknown): never => {
    clearTimeout(timer);
    if (timedOut) throw new TimeoutError(`${timedOut} [${url}]`);
    throw e;
  };
  let res: Response;
  for (let hop = 0; ; hop++) {
    const headers = { ...init.headers };
    if (init.token && new URL(url).origin === init.authOrigin) headers.authorization = `Bearer ${init.token}`;
    arm(t.firstByteMs, `no response within ${t.firstByteMs} ms`);
    try {
      res = await fetch(url, { method: init.method ?? 'GET', redirect: 'manual', headers, signal: ac.signal });
    } catch (e) {
      return fail(e);
    }
    const location = res.headers.get('location');
    if (!init.follow || res.status < 300 || res.status >= 400 || !location) break;
    if (hop >= 10) {
      clearTimeout(timer);
      throw new Error(`too many redirects [${url}]`);
    }
    await res.body?.cancel().catch(() => {});
    url = new URL(location, url).href;
  }
  clearTimeout(timer);
  const body = res.body;
  const finalUrl = url;
  return {
    res,
    url: finalUrl,
    async *chunks() {
      if (!body) return;
      const reader = body.getReader();
      try {
        for (;;) {
          arm(t.idleMs, `body stalled for ${t.idleMs} ms`);
          let r: ReadableStreamReadResult<Uint8Array>;
          try {
            r = await reader.read();
          } catch (e) {
            return fail(e);
          }
          if (r.done) break;
          yield r.value;
        }
      } finally {
        clearTimeout(timer);
        reader.releaseLock();
      }
    },
  };
}
