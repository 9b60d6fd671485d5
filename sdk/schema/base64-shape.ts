/**
 * The shape of standard padded base64 (RFC 4648 section 4), checked without decoding, for
 * the schema kit. Platform-free: no Buffer.
 */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isStrictBase64(text: string): boolean {
  return BASE64.test(text);
}

/** Decoded length of well-formed padded base64. */
export function base64DecodedLength(text: string): number {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}
