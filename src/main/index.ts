/**
 * The desktop shell: the only code that imports Electron. It checks that the native modules load, then hosts
 * the engine, carries the API over IPC, serves the renderer and thumbnails through custom schemes and runs
 * training jobs in a utilityProcess. docs/security-checklist.md says how each of Electron's security
 * recommendations is met here.
 */
import { app, BrowserWindow, ipcMain, net, protocol, session, shell, utilityProcess, type WebContents } from 'electron';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { imageScheme, parseImageAddress, schemeImageAddress } from '../shared/wire';
import type { Engine } from './engine/engine';
import type { FromWorker, WorkerLauncher } from './engine/jobs/protocol';
import { appContentSecurityPolicy, appEntryUrl, appScheme, isAppAddress, rendererFileFor } from './shell/app-scheme';
import { checkNativeModules, diagnoseLoadFailure, type NativeModuleProblem } from './shell/native-modules';
import { problemPage } from './shell/problem-page';
import { replyToCall, replyWithImage } from './transports/replies';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '../renderer');
const devServer = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;

const launchUtilityWorker: WorkerLauncher = () => {
  const child = utilityProcess.fork(join(here, 'worker.js'), [], { serviceName: 'SimCLR Studio training' });
  return {
    send: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', (message: FromWorker) => listener(message)),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => void child.kill(),
  };
};

// Schemes must be registered before the app is ready.
protocol.registerSchemesAsPrivileged([
  { scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: imageScheme, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

function createWindow(load: (window: BrowserWindow) => Promise<void>): BrowserWindow {
  const window = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 640,
    title: 'SimCLR Studio',
    // Linux shows the window's own icon in the task bar; macOS and Windows take the bundle's.
    icon: join(app.getAppPath(), 'resources', 'icon.png'),
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  window.once('ready-to-show', () => window.show());
  void load(window);
  return window;
}

/** Navigation stays inside the app; web links open in the user's browser; no content opens windows or webviews. */
function confineContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppAddress(url, devServer)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https:')) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/** The app needs no browser permission (camera, notifications, …): every request and check is refused. */
function denyPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

function serveRenderer(): void {
  protocol.handle(appScheme, async (request) => {
    const file = rendererFileFor(request.url, rendererDir);
    if (!file) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('content-security-policy', appContentSecurityPolicy);
    return new Response(response.body, { status: response.status, headers });
  });
}

function serveImages(engine: Engine): void {
  protocol.handle(imageScheme, async (request) => {
    const image = parseImageAddress(schemeImageAddress(new URL(request.url)));
    if (!image || image === 'malformed') return new Response('not found', { status: 404 });
    const reply = await replyWithImage(engine, image.kind, image.imageId);
    if ('error' in reply) return new Response(reply.error, { status: reply.status });
    if ('file' in reply) return net.fetch(pathToFileURL(reply.file).toString());
    return new Response(new Uint8Array(reply.webp), { headers: { 'content-type': 'image/webp' } });
  });
}

async function startStudio(): Promise<void> {
  // Loaded only after the self-check: the engine's modules import the native addons at load time.
  const { Engine } = await import('./engine/engine');
  const engine = new Engine({ launchWorker: launchUtilityWorker });
  serveRenderer();
  serveImages(engine);

  // A reply, never a throw: Electron would wrap a thrown error's message and drop its status.
  ipcMain.handle('studio:call', (event, command: string, args: unknown) => {
    if (!isAppAddress(event.senderFrame?.url, devServer)) return { error: 'refused: the caller is not the app', status: 403 };
    return replyToCall(engine, command, args);
  });
  engine.onEvent((event, payload) => {
    for (const window of BrowserWindow.getAllWindows()) window.webContents.send('studio:event', event, payload);
  });

  const openStudioWindow = () => createWindow((window) => window.loadURL(devServer || appEntryUrl));
  openStudioWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openStudioWindow();
  });
  // On macOS the app lives on with no window and `activate` opens one on the same engine: it closes only on quit.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => engine.close());
}

function showStartupProblems(problems: NativeModuleProblem[]): void {
  for (const problem of problems) console.error(`simclr-studio: ${problem.summary} Fix: ${problem.fix}\n${problem.detail}`);
  const page = problemPage(problems, {
    app: app.getVersion(),
    electron: process.versions.electron ?? 'unknown',
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
  });
  createWindow((window) => window.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(page)}`));
  app.on('window-all-closed', () => app.quit());
}

app.on('web-contents-created', (_event, contents) => confineContents(contents));

void app.whenReady().then(async () => {
  denyPermissions();
  const problems = checkNativeModules({ packaged: app.isPackaged });
  if (problems.length > 0) {
    showStartupProblems(problems);
    return;
  }
  try {
    await startStudio();
  } catch (error) {
    // The engine failed to load or open: say so in a window rather than leave a process with none.
    showStartupProblems([diagnoseLoadFailure({ name: 'The engine', purpose: 'projects and jobs' }, error, { packaged: app.isPackaged })]);
  }
});
