/**
 * The HTTP + WebSocket transport: serves the built renderer, carries API calls as POST /api/call/<command>
 * and pushes engine events over one WebSocket. Bound to loopback and guarded by a per-run token, so other
 * users and web pages on this machine cannot drive the engine.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { httpRoutes, parseImageAddress, type EventMessage } from '../../shared/wire';
import type { Engine } from '../engine/engine';
import { RequestError, errorBody, replyToCall, replyWithImage, statusOfError } from './replies';

export interface HttpServerOptions {
  engine: Engine;
  /** The built renderer (out/renderer); without it only the API is served. */
  rendererDir?: string;
  host?: string;
  port?: number;
  token?: string;
}

export interface RunningServer {
  url: string;
  /** The address to open: the URL with the token that unlocks the API. */
  openUrl: string;
  token: string;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const maxBodyBytes = 1 << 20;

export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const { engine } = options;
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const rendererDir = options.rendererDir && existsSync(join(options.rendererDir, 'index.html')) ? resolve(options.rendererDir) : null;
  let allowedHosts = new Set<string>();

  const isAuthorised = (request: IncomingMessage, url: URL): boolean => {
    const header = request.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token');
    return given !== null && given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token));
  };

  // A page on another origin could reach 127.0.0.1 through DNS rebinding; its Host header gives it away.
  const isAllowedHost = (request: IncomingMessage) => allowedHosts.has(request.headers.host ?? '');

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, statusOfError(error), errorBody(error));
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!isAllowedHost(request)) return sendJson(response, 403, { error: 'Unexpected Host header' });
    if (url.pathname.startsWith('/api/call/')) {
      if (request.method !== 'POST') return sendJson(response, 405, { error: 'Use POST' });
      if (!isAuthorised(request, url)) return sendJson(response, 401, { error: 'Missing or wrong token' });
      const command = decodedPath(url.pathname.slice('/api/call/'.length));
      const reply = await replyToCall(engine, command, parseJsonBody(await readBody(request)));
      return sendJson(response, reply.status, 'error' in reply ? { error: reply.error } : reply.value);
    }
    const image = parseImageAddress(url.pathname);
    // Anything else under these routes (a path, a name that is no id) is no image of the project.
    if (image === 'malformed') return sendJson(response, 404, { error: 'No such image: images are addressed by id, as /images/<id>.webp' });
    if (image) {
      if (!isAuthorised(request, url)) return sendJson(response, 401, { error: 'Missing or wrong token' });
      const reply = await replyWithImage(engine, image.kind, image.imageId);
      if ('error' in reply) return sendJson(response, reply.status, { error: reply.error });
      if ('file' in reply) return sendFile(response, reply.file, 'private, max-age=3600');
      response.writeHead(200, { 'content-type': 'image/webp', 'cache-control': 'private, max-age=600', 'x-content-type-options': 'nosniff' });
      return void response.end(reply.webp);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendJson(response, 405, { error: 'Use GET' });
    if (!rendererDir) return sendText(response, 503, 'The browser UI is not built yet: run `npm run build`, then start the server again.');
    const requested = normalize(join(rendererDir, decodedPath(url.pathname)));
    if (!requested.startsWith(rendererDir + sep) && requested !== rendererDir) return sendJson(response, 403, { error: 'Outside the UI folder' });
    const file = existsSync(requested) && statSync(requested).isFile() ? requested : join(rendererDir, 'index.html');
    return sendFile(response, file, file.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
  }

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== httpRoutes.events || !isAllowedHost(request) || !isAuthorised(request, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client) => sockets.emit('connection', client, request));
  });
  const unsubscribe = engine.onEvent((event, payload) => {
    const message = JSON.stringify({ event, payload } satisfies EventMessage);
    for (const client of sockets.clients) if (client.readyState === 1) (client as WebSocket).send(message);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set([`${host}:${port}`, `localhost:${port}`]);
  const url = `http://${host}:${port}`;
  return {
    url,
    openUrl: `${url}/?token=${token}`,
    token,
    close: async () => {
      unsubscribe();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    throw new RequestError(`Malformed escape in the path ${path}`, 400);
  }
}

function parseJsonBody(body: string): unknown {
  try {
    return body.length ? JSON.parse(body) : {};
  } catch (error) {
    throw new RequestError(`Request body is not valid JSON: ${(error as Error).message}`, 400);
  }
}

/** Reads the whole body; one too large is read to its end and refused, so the client still gets the 413. */
function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > maxBodyBytes) reject(new RequestError(`Request body too large: ${size} bytes, at most ${maxBodyBytes}`, 413));
      else resolveBody(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(text);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}

function sendFile(response: ServerResponse, path: string, cacheControl: string): void {
  response.writeHead(200, {
    'content-type': contentTypes[extname(path)] ?? 'application/octet-stream',
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
  });
  createReadStream(path).pipe(response);
}
