/**
 * Makes runs comparable: replaces what differs from run to run (random ids, keys,
 * signatures, hashes, wall-clock times, measured durations) with placeholders, keeping
 * everything else (event types and order, decisions, reasons, counts, texts). Used by the
 * tests that pin the scenario event streams and the demo's output (test/golden/).
 */
const RULES: Array<[RegExp, string]> = [
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>"],
  [/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g, "<time>"],
  [/[A-Za-z0-9+/]{40,}={0,2}/g, "<base64>"],
  [/\b[0-9a-f]{16,}\b/g, "<hex>"],
  [/\b[0-9a-f]{8,}…/g, "<hex>…"],
  [/\b\d{4}-\d{2}-\d{2}\b/g, "<date>"],
  [/\b\d+(?:\.\d+)? ?ms\b/g, "<ms>"],
  [/127\.0\.0\.1:\d+/g, "127.0.0.1:<port>"],

  [/\/tmp\/[^\s"']+/g, "<tmp>"],
];

/** `root`: the repository's folder, written as `<repo>` (so a clone anywhere compares equal). */
export function normalizeText(text: string, root?: string): string {
  let out = root ? text.replaceAll(root, "<repo>") : text;
  for (const [rx, placeholder] of RULES) out = out.replace(rx, placeholder);
  return out;
}

/** A scenario result reduced to what must not change: steps, decisions and events, normalised. */
export function scenarioStream(result: {
  steps: ReadonlyArray<{ index: number; do: string; passed: boolean; decision: unknown; events: readonly string[]; display: readonly string[]; pulses: number; error?: { code: string } }>;
  events: ReadonlyArray<{ type: string; category: string; at: number; data: Record<string, unknown> }>;
  passed: boolean;
}): string {
  const view = {
    passed: result.passed,
    steps: result.steps.map((s) => ({ index: s.index, do: s.do, passed: s.passed, decision: s.decision, events: s.events, display: s.display, pulses: s.pulses, error: s.error?.code ?? null })),
    events: result.events.map((e) => ({ type: e.type, category: e.category, at: e.at, data: e.data })),
  };
  return normalizeText(JSON.stringify(view, null, 1));
}
