/**
 * Reads named entries out of a gzipped tar archive (ustar, as npm writes it), so model
 * extraction needs no system `tar` and extracts only the files asked for.
 */
import { gunzipSync } from "node:zlib";

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString("utf8");
}

/** Returns the wanted entries' contents by path; paths not present are absent from the map. */
export function extractFromTgz(tgz: Uint8Array, wanted: ReadonlySet<string>): Map<string, Buffer> {
  const tar = gunzipSync(tgz);
  const found = new Map<string, Buffer>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    const size = parseInt(field(header, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156] ?? 48);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    if (type === "L") longName = field(body, 0, body.length);
    else if ((type === "0" || type === "\0") && wanted.has(name)) found.set(name, Buffer.from(body));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return found;
}
