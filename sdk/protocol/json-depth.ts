/**
 * How deeply a JSON text nests, found by one scan of its characters before it is parsed,
 * so that a hostile message nested thousands of levels deep is refused as malformed
 * before JSON.parse, canonical JSON or a schema check recurse into it. No command of the
 * contract nests deeper than a handful of levels; the bound is canonical JSON's.
 */
import { MAX_JSON_DEPTH } from "./canonical-json.js";

/** True when `text` opens more than `limit` objects or arrays inside one another (brackets inside strings do not count). */
export function nestsDeeperThan(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
