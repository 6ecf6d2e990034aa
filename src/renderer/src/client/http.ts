import { httpRoutes, type EventMessage, type StudioTransport } from '../../../shared/client';
import type { EventName } from '../../../shared/contract';

const tokenKey = 'simclr-studio.token';

/** The server prints a URL with `?token=`; keep it for reloads and take it out of the address bar. */
export function takeToken(): string {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(tokenKey, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(tokenKey) ?? '';
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
      if (!response.ok) {
        const error = (body as { error?: unknown } | undefined)?.error;
        if (typeof error === 'string' && error) throw new Error(error);
        if (response.status === 401 || response.status === 403) {
          throw new Error('The engine refused the session token. Open the URL the server printed (it ends in ?token=…).');
        }
        throw new Error(`${command} failed: HTTP ${response.status} ${response.statusText}`.trim());
      }
      return body;
    },
    listen: (handler) => events.add(handler),
    thumbnailUrl: (imageId) => `${httpRoutes.thumbnail(imageId)}${query}`,
    imageUrl: (imageId) => `${httpRoutes.image(imageId)}${query}`,
  };
}
