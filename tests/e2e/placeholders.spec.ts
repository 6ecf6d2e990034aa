/**
 * Every input's placeholder, and every drop-down's chosen option, fits its box, in every view of the browser UI (Chromium, two window sizes),
 * against the real server with a project of labelled images; each view is also saved as a screenshot.
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleFolder } from '../../src/main/engine/sample/generate-sample';
import type { ProjectStatus } from '../../src/shared/contract';
import { startStudioServer, type StudioServer } from './studio-server';

// The page's globals the measuring script uses: this program's TypeScript has no DOM library.
declare const document: {
  querySelectorAll<T = PlaceholderField>(selector: string): Iterable<T>;
  createElement(tag: 'canvas'): { getContext(kind: '2d'): { font: string; measureText(text: string): { width: number } } };
};
declare function getComputedStyle(element: PlaceholderField | ChoiceField): Record<string, string>;
interface ChoiceField {
  selectedOptions: { text: string }[];
  clientWidth: number;
  offsetParent: unknown;
  dataset: Record<string, string | undefined>;
}
interface PlaceholderField {
  placeholder: string;
  type: string;
  clientWidth: number;
  offsetParent: unknown;
  dataset: Record<string, string | undefined>;
}

const work = mkdtempSync(join(tmpdir(), 'simclr-e2e-placeholders-'));
const screenshotsDir = process.env.SCREENSHOTS_DIR ?? join('test-results', 'placeholder-screens');

let server: StudioServer;

test.beforeAll(async () => {
  const sampleDir = join(work, 'sample');
  await generateSampleFolder(sampleDir, { perClass: 3, classes: 2, size: 24, seed: 11 });
  mkdirSync(screenshotsDir, { recursive: true });
  server = await startStudioServer();
  await server.api('openProject', { dir: join(work, 'project') });
  await server.api('importFolder', { folder: sampleDir, labelsFromSubfolders: true });
  await expect.poll(async () => (await server.api<ProjectStatus>('status')).labelled).toBe(6);
});

test.afterAll(() => {
  server?.process.kill('SIGTERM');
});

interface Overflow {
  field: string;
  placeholder: string;
  textWidth: number;
  roomWidth: number;
}

/** Each visible field whose placeholder (or chosen option) is wider than the room for text in it (padding, spin buttons and arrows taken off). */
async function overflowingPlaceholders(page: Page): Promise<Overflow[]> {
  return page.evaluate(() => {
    const context = document.createElement('canvas').getContext('2d');
    const found: Overflow[] = [];
    for (const field of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
      if (!field.placeholder || field.offsetParent === null) continue;
      const style = getComputedStyle(field);
      context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const textWidth = Math.ceil(context.measureText(field.placeholder).width);
      // Chromium keeps a number field's spin buttons (15 px) beside its text, shown or not.
      const spinButtons = field.type === 'number' ? 15 : 0;
      const roomWidth = field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - spinButtons;
      if (textWidth > roomWidth) found.push({ field: field.dataset.testid ?? field.placeholder, placeholder: field.placeholder, textWidth, roomWidth });
    }
    // A drop-down's chosen option is cut the same way; its arrow takes about 20 px of the box.
    for (const choice of document.querySelectorAll<ChoiceField>('select')) {
      const text = choice.selectedOptions[0]?.text ?? '';
      if (!text || choice.offsetParent === null) continue;
      const style = getComputedStyle(choice);
      context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const textWidth = Math.ceil(context.measureText(text).width);
      const roomWidth = choice.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
      if (textWidth > roomWidth) found.push({ field: choice.dataset.testid ?? text, placeholder: text, textWidth, roomWidth });
    }
    return found;
  });
}

// The tests' usual window, and a small laptop's.
for (const width of [1360, 1024]) {
  test(`every placeholder fits its input in every view, ${width} px wide`, async ({ page }) => {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(server.openUrl);
    await expect(page.getByTestId('project-summary')).toBeVisible();
    const views: { nav: string; name: string; prepare?: () => Promise<void> }[] = [
      { nav: 'nav-project', name: 'project', prepare: () => page.getByRole('button', { name: 'Browse…' }).click() },
      { nav: 'nav-import', name: 'import' },
      { nav: 'nav-pretrain', name: 'pretrain', prepare: () => page.getByText('Advanced').click() },
      { nav: 'nav-label', name: 'label', prepare: () => page.getByText('Import labels from a CSV file').click() },
      { nav: 'nav-finetune', name: 'finetune' },
      { nav: 'nav-export', name: 'export' },
    ];
    const overflows: Record<string, Overflow[]> = {};
    let measured = 0;
    for (const view of views) {
      await page.getByTestId(view.nav).click();
      await prepareView(page, view.name, view.prepare);
      await page.screenshot({ path: join(screenshotsDir, `${width}-${view.name}.png`), fullPage: true });
      const found = await overflowingPlaceholders(page);
      if (found.length > 0) overflows[view.name] = found;
      measured += await page.locator('input[placeholder]:visible, textarea[placeholder]:visible').count();
    }
    // The tour must have reached the fields it is about: all sixteen with placeholders.
    expect(measured).toBeGreaterThanOrEqual(16);
    expect(overflows).toEqual({});
  });
}

/** Waits for the view's own content before measuring, then opens what it hides (the browser, Advanced). */
async function prepareView(page: Page, name: string, prepare?: () => Promise<void>): Promise<void> {
  const ready: Record<string, string> = {
    project: 'project-path',
    import: 'import-path',
    pretrain: 'pretrain-epochs',
    label: 'image-tile',
    finetune: 'finetune-epochs',
    export: 'export-path',
  };
  await expect(page.getByTestId(ready[name]).first()).toBeVisible();
  await prepare?.();
}
