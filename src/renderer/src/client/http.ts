import type { StudioTransport } from '../../../shared/client';
import { CallError, httpRoutes, valueOfReply, type EventMessage } from '../../../shared/wire';
import type { EventName } from '../../../shared/contract';

const tokenKey = 'simclr-studio.token';

/**
 * Where the token waits between page loads: this origin's localStorage, so a reload, a new tab or the address bar's
 * URL pasted elsewhere in this browser keep working. Only pages of this exact origin (scheme, host and port) read
 * it, unlike a cookie, which every port of 127.0.0.1 would get; the token changes every run and a refused one is
 * forgotten. Null where the browser keeps no storage.
 */
function tokenStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The server prints a URL with `?token=`; keep the token for later loads and take it out of the address bar. */
export function takeToken(): string {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  const storage = tokenStorage();
  if (!fromUrl) return storage?.getItem(tokenKey) ?? '';
  try {
    storage?.setItem(tokenKey, fromUrl);
  } catch {
    // A full or refused storage: leaving the token in the address bar is what still lets a reload work.
    return fromUrl;
  }
  if (!storage) return fromUrl;
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  return fromUrl;
}

/** What to do without a token that works: the server's terminal has the address with one. */
function tokenAdvice(): string {
  return `Open the address the server printed when it started (\`npm run serve\` or \`simclr-studio serve\` shows ${location.origin}/?token=…), or restart it to get a new one.`;
}

type Handler = (event: EventName, payload: unknown) => void;

/** One WebSocket shared by every listener; it reconnects with backoff while anyone listens. */
class EventSocket {
  readonly #url: string;
  readonly #handlers = new Set<Handler>();
  #socket: WebSocket | null = null;
  #retryMs = 500;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #connectedOnce = false;

  constructor(url: string) {
    this.#url = url;
  }

  add(handler: Handler): () => void {
    this.#handlers.add(handler);
    if (!this.#socket && !this.#retryTimer) this.#connect();
    return () => {
      this.#handlers.delete(handler);
      if (this.#handlers.size === 0) this.#close();
    };
  }

  #connect() {
    this.#retryTimer = null;
    const socket = new WebSocket(this.#url);
    this.#socket = socket;
    socket.onopen = () => {
      this.#retryMs = 500;
      // Events sent while we were away are lost: tell listeners to refetch everything.
      if (this.#connectedOnce) this.#emit('projectChanged', { what: 'project' });
      this.#connectedOnce = true;
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      try {
        const { event, payload } = JSON.parse(message.data) as EventMessage;
        this.#emit(event, payload);
      } catch {
        // A malformed message is not worth breaking the UI over.
      }
    };
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (this.#handlers.size === 0) return;
      this.#retryTimer = setTimeout(() => this.#connect(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, 10_000);
    };
  }

  #emit(event: EventName, payload: unknown) {
    for (const handler of [...this.#handlers]) handler(event, payload);
  }

  #close() {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
  }
}

/** The browser transport: commands are POSTs, events come over a WebSocket, all carrying the session token. */
export function createHttpTransport(token: string = takeToken()): StudioTransport {
  const wsOrigin = location.origin.replace(/^http/, 'ws');
  const query = `?token=${encodeURIComponent(token)}`;
  const events = new EventSocket(`${wsOrigin}${httpRoutes.events}${query}`);

  return {
    name: 'http',
    async call(command, args) {
      if (!token) throw new Error(`This page has no session token, so the engine will not answer it. ${tokenAdvice()}`);
      let response: Response;
      try {
        response = await fetch(httpRoutes.call(command), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(args ?? {}),
        });
      } catch {
        throw new Error(`Cannot reach the Studio engine at ${location.origin}. Is \`npm run serve\` still running?`);
      }
      const text = await response.text();
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        if (response.ok) throw new Error(`The engine sent a reply that is not JSON for ${command}.`);
      }
      if (response.status === 401) {
        // From an earlier run of the server, or mistyped: keeping it would only fail again on the next load.
        if (tokenStorage()?.getItem(tokenKey) === token) tokenStorage()?.removeItem(tokenKey);
        throw new CallError(`The engine refused this page's session token (the server may have restarted). ${tokenAdvice()}`, 401);
      }
      if (response.ok) return body;
      const error = (body as { error?: unknown } | undefined)?.error;
      return valueOfReply({ status: response.status, error: typeof error === 'string' && error ? error : `${command} failed: HTTP ${response.status} ${response.statusText}`.trim() });
    },
    // Without a token the socket would only be refused, again and again.
    listen: (handler) => (token ? events.add(handler) : () => {}),
    thumbnailUrl: (imageId) => `${httpRoutes.image('thumbnails', imageId)}${query}`,
    imageUrl: (imageId) => `${httpRoutes.image('images', imageId)}${query}`,
  };
}
