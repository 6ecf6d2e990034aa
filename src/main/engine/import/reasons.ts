/** Turns file-system and decoder errors into the short reasons a user sees next to a file's path. */
import sharp from 'sharp';

export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'ENAMETOOLONG':
      return 'file name too long';
    case 'EISDIR':
      return 'is a folder, not a file';
    default:
      return (error as Error)?.message ?? String(error);
  }
}

/** sharp's messages are written for developers; these patterns map them to a reason for the user. */
const decoderReasons: [RegExp, string][] = [
  [/unsupported image format/i, 'not an image (unsupported or unrecognised format)'],
  [/pixel limit|exceeds pixel/i, 'image too large (exceeds the pixel limit, possibly a decompression bomb)'],
  [/premature end|truncated|corrupt|unexpected end|VipsJpeg|read error|bad seek|not a png|crc error|invalid/i, 'truncated or corrupt image data'],
];

export function describeDecodeError(error: unknown): string {
  if ((error as NodeJS.ErrnoException)?.code) return describeFileError(error);
  const message = (error as Error)?.message ?? String(error);
  const known = decoderReasons.find(([pattern]) => pattern.test(message));
  return known ? known[1] : `could not decode (${message.split('\n')[0]})`;
}

/** BMP is read only by libvips' ImageMagick loader, which sharp's prebuilt binaries leave out. */
const readsBmp = sharp.format.magick?.input.buffer === true;

/** A clear reason for a format the decoder cannot read at all, told by the file's first bytes. */
export function unsupportedFormatReason(bytes: Buffer): string | null {
  const isBmp = bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d; // "BM"
  return isBmp && !readsBmp ? 'BMP is not supported by this build’s image decoder; convert it to PNG to import it' : null;
}
