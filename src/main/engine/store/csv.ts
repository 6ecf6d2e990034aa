/** Minimal RFC 4180 CSV: quoted fields with commas, quotes and newlines; enough for path,label files. */
import { StudioError } from '../../../shared/contract';

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') endField();
    else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endField();
      rows.push(row);
      row = [];
    } else field += char;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows.filter((r) => r.some((cell) => cell.trim() !== ''));
}

/** Rows of `path,label`; a first row reading `path,label` is a header and skipped. */
export function parseLabelsCsv(text: string, fileName: string): { path: string; label: string }[] {
  const rows = parseCsv(text.replace(/^\uFEFF/, ''));
  const body = rows[0]?.[0]?.trim().toLowerCase() === 'path' ? rows.slice(1) : rows;
  return body.map((cells, index) => {
    const [path, label] = cells.map((c) => c.trim());
    if (!path || !label) {
      throw new StudioError(`${fileName}: line ${index + (body === rows ? 1 : 2)} needs two columns, path and label`);
    }
    return { path, label };
  });
}

function quote(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: string[], rows: (string | number)[][]): string {
  return [header, ...rows].map((row) => row.map(quote).join(',')).join('\n') + '\n';
}
