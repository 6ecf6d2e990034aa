/**
 * The page the desktop shell shows instead of the app when the start-up self-check fails: what failed, why,
 * and the command that fixes it, as one self-contained document (loaded as a data: URL, nothing fetched).
 */
import type { NativeModuleProblem } from './native-modules';

export interface RuntimeVersions {
  app: string;
  electron: string;
  node: string;
  platform: string;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => escapes[character]!);

/** A fix is a command when it starts like one; otherwise it is advice to read. */
const isCommand = (fix: string) => /^(npm|npx|node) /.test(fix);

function problemSection(problem: NativeModuleProblem): string {
  const fix = isCommand(problem.fix)
    ? `<p>Fix it from the app's folder in a terminal, then start the app again:</p><pre class="command">${escapeHtml(problem.fix)}</pre>`
    : `<p>${escapeHtml(problem.fix)}</p>`;
  return `<section>
  <h2>${escapeHtml(problem.module)}</h2>
  <p>${escapeHtml(problem.summary)}</p>
  ${fix}
  <details><summary>What the loader said</summary><pre>${escapeHtml(problem.detail)}</pre></details>
</section>`;
}

export function problemPage(problems: readonly NativeModuleProblem[], versions: RuntimeVersions): string {
  const title = problems.length === 1 ? 'A part of SimCLR Studio did not load' : `${problems.length} parts of SimCLR Studio did not load`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>SimCLR Studio — start-up check</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 40px auto; max-width: 760px; padding: 0 24px; color: #1f2937; }
  h1 { font-size: 22px; } h2 { font-size: 17px; margin-bottom: 4px; }
  section { border: 1px solid #e5e7eb; border-radius: 8px; padding: 4px 18px 12px; margin: 16px 0; }
  pre { background: #f3f4f6; padding: 10px 12px; border-radius: 6px; white-space: pre-wrap; word-break: break-word; }
  pre.command { background: #111827; color: #f9fafb; user-select: all; }
  footer { color: #6b7280; font-size: 13px; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>The app stopped before opening any project, so nothing was changed.</p>
${problems.map(problemSection).join('\n')}
<footer>SimCLR Studio ${escapeHtml(versions.app)} · Electron ${escapeHtml(versions.electron)} · Node ${escapeHtml(versions.node)} · ${escapeHtml(versions.platform)}</footer>
</body>
</html>
`;
}
