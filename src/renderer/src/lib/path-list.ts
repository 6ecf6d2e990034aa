/** The paths in a text of one path per line: trimmed, without blank lines or repeats. */
export function pathList(text: string): string[] {
  return [...new Set(text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== ''))];
}
