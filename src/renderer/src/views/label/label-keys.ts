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

/** Ctrl on Linux and Windows, ⌘ on macOS. */
export function commandKey(event: KeyboardEvent | MouseEvent): boolean {
  return event.ctrlKey || event.metaKey;
}

export const commandKeyName = typeof navigator !== 'undefined' && navigator.platform.startsWith('Mac') ? '⌘' : 'Ctrl';
