/** One answer of Vigil's API, kept whole so the test can scan it. */
export interface Answer {
  request: string;
  status: number;
  body: string;
  /** Set-Cookie values (a console session). */
  cookies: string[];
}

export interface RecordingClient {
  /** Every answer received so far, in order. */
  answers: Answer[];
  call(method: string, path: string, opts?: { key?: string | null; cookie?: string; json?: unknown; text?: string; type?: string }): Promise<Answer>;
  /**
   * Opens a server-sent event stream and keeps everything it sends until close(), which records
   * it as one answer (so it is scanned like the others).
   */
  stream(path: string): Promise<{ close(): Promise<string> }>;
  /** GET as JSON, failing with the answer when it is not 200. */
  get<T>(path: string): Promise<T>;
}

/** A fetch client for a running Vigil that records every answer it gets (bodies included). */
export function recordingClient(base: string, defaultKey: () => string): RecordingClient {
  const answers: Answer[] = [];
  const self: RecordingClient = {
    answers,
    async call(method, path, opts = {}) {
      const key = opts.key === undefined ? defaultKey() : opts.key;
      const headers: Record<string, string> = {};
      if (key !== null) headers.authorization = `Bearer ${key}`;
      if (opts.cookie !== undefined) headers.cookie = opts.cookie;
      let body: string | undefined;
      if (opts.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(opts.json);
      } else if (opts.text !== undefined) {
        headers['content-type'] = opts.type ?? 'text/plain';
        body = opts.text;
      }
      const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
      const answer = { request: `${method} ${path}`, status: res.status, body: await res.text(), cookies: res.headers.getSetCookie() };
      answers.push(answer);
      return answer;
    },
    async stream(path) {
      const abort = new AbortController();
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${defaultKey()}`, accept: 'text/event-stream' }, signal: abort.signal });
      let text = '';
      let failure: unknown;
      const reading = (async () => {
        const decoder = new TextDecoder();
        try {
          for await (const chunk of res.body ?? []) text += decoder.decode(chunk as Uint8Array, { stream: true });
        } catch (e) {
          // Kept for close(): a rejection nobody awaits yet would be an unhandled one.
          if (!abort.signal.aborted) failure = e;
        }
      })();
      return {
        async close() {
          abort.abort();
          await reading;
          if (failure !== undefined) throw failure instanceof Error ? failure : new Error('event stream failed', { cause: failure });
          answers.push({ request: `GET ${path} (stream)`, status: res.status, body: text, cookies: [] });
          return text;
        },
      };
    },
    async get<T>(path: string): Promise<T> {
      const a = await self.call('GET', path);
      if (a.status !== 200) throw new Error(`${a.request} -> ${a.status}: ${a.body}`);
      return JSON.parse(a.body) as T;
    },
  };
  return self;
}

/** Polls `check` every 100 ms until it holds; throws with `what()` after `timeoutMs` (a deadline, not an assertion on time). */
export async function until(what: () => string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Fills each `{param}` of an OpenAPI path template with every value given for that name. */
export function expandTemplate(template: string, values: Record<string, readonly string[]>): string[] {
  const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  let paths = [template];
  for (const name of names) {
    const candidates = values[name];
    // A new GET route with a new parameter must be given real values here, not skipped.
    if (!candidates || candidates.length === 0) throw new Error(`no value for path parameter {${name}} of GET ${template}: give the privacy test one`);
    paths = paths.flatMap((p) => candidates.map((v) => p.replace(`{${name}}`, encodeURIComponent(v))));
  }
  return paths;
}
