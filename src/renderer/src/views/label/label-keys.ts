import type { ClassInfo } from '../../../../shared/contract';

/** What a key press means for labelling: 1–9 pick the class in that place, 0 / Backspace / Delete clear. */
export type LabelKey = { classId: number | null } | null;

export function labelKey(event: KeyboardEvent, classes: readonly ClassInfo[]): LabelKey {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (/^[1-9]$/.test(event.key)) {
    const target = classes[Number(event.key) - 1];
    return target ? { classId: target.id } : null;
  }
  if (event.key === '0' || event.key === 'Backspace' || event.key === 'Delete') return { classId: null };
  return null;
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
