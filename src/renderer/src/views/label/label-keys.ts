import type { ClassInfo } from '../../../../shared/contract';

/**
 * The key of each class, in the classes' order: 1–9, then letters row by row, as annotation tools commonly do. 0 is
 * left to clearing, S to skipping in the suggestion queue and M to "more like this", so those letters pick no class.
 */
const classKeys = [...'123456789', ...'qwertyuiopadfghjklzxcvbn'];

/** The key that picks the class in this place, as its chip shows it; null past the last key. */
export function classKey(index: number): string | null {
  return classKeys[index]?.toUpperCase() ?? null;
}

/** The class keys in use, for a view's one-line hint: "1–9, Q–E" for twelve classes. */
export function classKeysText(count: number): string {
  const span = (keys: string[]) => (keys.length > 1 ? `${keys[0]}–${keys.at(-1)}` : (keys[0] ?? ''));
  const used = classKeys.slice(0, Math.max(1, count)).map((k) => k.toUpperCase());
  return [span(used.slice(0, 9)), span(used.slice(9))].filter(Boolean).join(', ');
}

/** What a key press means for labelling: a class's key picks it, 0 / Backspace / Delete clear. */
export type LabelKey = { classId: number | null } | null;

export function labelKey(event: KeyboardEvent, classes: readonly ClassInfo[]): LabelKey {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return null;
  if (event.key === '0' || event.key === 'Backspace' || event.key === 'Delete') return { classId: null };
  // Lower case as well as upper, so Caps Lock does not turn the letters off.
  const index = event.key.length === 1 ? classKeys.indexOf(event.key.toLowerCase()) : -1;
  const target = index >= 0 ? classes[index] : undefined;
  return target ? { classId: target.id } : null;
}

/** Ctrl/⌘+Z undoes; Ctrl/⌘+Shift+Z and Ctrl/⌘+Y redo. */
export function historyKey(event: KeyboardEvent): 'undo' | 'redo' | null {
  if (!commandKey(event) || event.altKey || event.isComposing) return null;
  const key = event.key.toLowerCase();
  if (key === 'y' || (key === 'z' && event.shiftKey)) return 'redo';
  return key === 'z' ? 'undo' : null;
}

const inputsWithoutText = new Set(['button', 'checkbox', 'color', 'file', 'image', 'radio', 'range', 'reset', 'submit']);

/** Whether keys pressed here edit text the user is typing, whose own undo keeps Ctrl/⌘+Z. */
export function typesText(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement) return true;
  if (!(target instanceof HTMLInputElement) || inputsWithoutText.has(target.type)) return false;
  // A picker opened with nothing typed in it is a list to choose from, not text being written.
  return !(target.getAttribute('role') === 'combobox' && target.value === '');
}

/** Ctrl on Linux and Windows, ⌘ on macOS. */
export function commandKey(event: KeyboardEvent | MouseEvent): boolean {
  return event.ctrlKey || event.metaKey;
}

export const commandKeyName = typeof navigator !== 'undefined' && navigator.platform.startsWith('Mac') ? '⌘' : 'Ctrl';
