/**
 * The desktop shell: the only code that imports Electron. It hosts the engine, carries the API over IPC,
 * serves thumbnails through a custom scheme and runs training jobs in a utilityProcess.
 */
import { app, BrowserWindow, ipcMain, net, protocol, shell, utilityProcess } from 'electron';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { imageScheme, parseImageAddress, schemeImageAddress } from '../shared/wire';
import { Engine } from './engine/engine';
import type { FromWorker, WorkerLauncher } from './engine/jobs/protocol';
import { replyToCall, replyWithImage } from './transports/replies';

const here = fileURLToPath(new URL('.', import.meta.url));

const launchUtilityWorker: WorkerLauncher = () => {
  const child = utilityProcess.fork(join(here, 'worker.js'), [], { serviceName: 'SimCLR Studio training' });
  return {
    send: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', (message: FromWorker) => listener(message)),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => void child.kill(),
  };
};

protocol.registerSchemesAsPrivileged([{ scheme: imageScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const engine = new Engine({ launchWorker: launchUtilityWorker });

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 640,
    title: 'SimCLR Studio',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  // Links open in the user's browser; the app never spawns windows of its own from content.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https:')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const devServer = process.env.ELECTRON_RENDERER_URL;
  if (!app.isPackaged && devServer) void window.loadURL(devServer);
  else void window.loadFile(join(here, '../renderer/index.html'));
  return window;
}

void app.whenReady().then(() => {
  protocol.handle(imageScheme, async (request) => {
    const image = parseImageAddress(schemeImageAddress(new URL(request.url)));
    if (!image || image === 'malformed') return new Response('not found', { status: 404 });
    const reply = await replyWithImage(engine, image.kind, image.imageId);
    if ('error' in reply) return new Response(reply.error, { status: reply.status });
    if ('file' in reply) return net.fetch(pathToFileURL(reply.file).toString());
    return new Response(new Uint8Array(reply.webp), { headers: { 'content-type': 'image/webp' } });
  });

  // A reply, never a throw: Electron would wrap a thrown error's message and drop its status.
  ipcMain.handle('studio:call', (_event, command: string, args: unknown) => replyToCall(engine, command, args));
  engine.onEvent((event, payload) => {
    for (const window of BrowserWindow.getAllWindows()) window.webContents.send('studio:event', event, payload);
  });

  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  engine.close();
  if (process.platform !== 'darwin') app.quit();
});
