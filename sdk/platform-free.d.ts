/**
 * The only globals platform-free code may use beyond ECMAScript itself: text encoding,
 * which every JavaScript platform (browsers, Node.js, Deno, workers) provides. Checked by
 * `sdk/tsconfig.platform-free.json` (run by test/sdk/layers.test.ts), which compiles the
 * platform-free folders without Node's types.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
