/**
 * Pairs files for `facegate eval --pairs`: one pair a line, `imageA,imageB,same`, where
 * same is yes/no, true/false or 1/0 (any case). A first line that does not parse as a
 * pair is taken as a header. Blank lines and lines starting with # are ignored.
 */
import { UsageError } from "../cli/cli-io.js";

export interface LabelledPair {
  a: string;
  b: string;
  same: boolean;
  line: number;
}

const YES = new Set(["yes", "y", "true", "1"]);
const NO = new Set(["no", "n", "false", "0"]);

export function parsePairsCsv(text: string): LabelledPair[] {
  const pairs: LabelledPair[] = [];
  const lines = text.split(/\r?\n/);
  let firstContent = true;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "" || raw.startsWith("#")) continue;
    const cells = raw.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
    const flag = cells[2]?.toLowerCase();
    const ok = cells.length === 3 && cells[0] !== "" && cells[1] !== "" && flag !== undefined && (YES.has(flag) || NO.has(flag));
    if (!ok) {
      if (firstContent) {
        firstContent = false;
        continue; // header
      }
      throw new UsageError(`pairs line ${i + 1}: expected imageA,imageB,same (same = yes/no/1/0/true/false)`);
    }
    firstContent = false;
    pairs.push({ a: cells[0]!, b: cells[1]!, same: YES.has(flag!), line: i + 1 });
  }
  return pairs;
}
