// A small Ed25519 signature verifier (RFC 8032 section 5.1.7), vendored for browsers whose
// WebCrypto has no Ed25519. BigInt arithmetic in extended coordinates; SHA-512 from
// crypto.subtle. It checks like libsodium's crypto_sign_verify_detached where it matters
// here: s must be below L, A must decode, and [s]B - [k]A must encode to exactly R (so a
// non-canonical R fails). Verification only: no secret ever enters this file.
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const mod = (a, m = P) => {
  const r = a % m;
  return r >= 0n ? r : r + m;
};
function pow(b, e) {
  let r = 1n;
  b = mod(b);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return r;
}
const inv = (a) => pow(a, P - 2n);
const D = mod(-121665n * inv(121666n));
const D2 = mod(2n * D);
const SQRT_M1 = pow(2n, (P - 1n) / 4n);
const BASE = {
  X: 15112221349535400772501151409588531511454012693041857206046113283949847762202n,
  Y: 46316835694926478169428394003475163141307993866256225615783033603165251855960n,
  Z: 1n,
  T: mod(15112221349535400772501151409588531511454012693041857206046113283949847762202n * 46316835694926478169428394003475163141307993866256225615783033603165251855960n),
};
const ZERO = { X: 0n, Y: 1n, Z: 1n, T: 0n };

function add(p, q) {
  const a = mod((p.Y - p.X) * (q.Y - q.X));
  const b = mod((p.Y + p.X) * (q.Y + q.X));
  const c = mod(p.T * D2 * q.T);
  const d = mod(p.Z * 2n * q.Z);
  const e = b - a, f = d - c, g = d + c, hh = b + a;
  return { X: mod(e * f), Y: mod(g * hh), T: mod(e * hh), Z: mod(f * g) };
}

function double(p) {
  const a = mod(p.X * p.X);
  const b = mod(p.Y * p.Y);
  const c = mod(2n * p.Z * p.Z);
  const hh = a + b;
  const e = mod(hh - mod((p.X + p.Y) * (p.X + p.Y)));
  const g = a - b;
  const f = c + g;
  return { X: mod(e * f), Y: mod(g * hh), T: mod(e * hh), Z: mod(f * g) };
}

function times(p, n) {
  let r = ZERO;
  let q = p;
  while (n > 0n) {
    if (n & 1n) r = add(r, q);
    q = double(q);
    n >>= 1n;
  }
  return r;
}

function littleEndian(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

function decodePoint(bytes) {
  if (bytes.length !== 32) return null;
  const b = Uint8Array.from(bytes);
  const sign = b[31] >> 7;
  b[31] &= 0x7f;
  const y = littleEndian(b);
  if (y >= P) return null;
  const y2 = mod(y * y);
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  const v3 = mod(v * v * v);
  let x = mod(u * v3 * pow(u * v3 * v3 * v, (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 === u) {
    // root found
  } else if (vx2 === mod(-u)) x = mod(x * SQRT_M1);
  else return null;
  if (x === 0n && sign === 1) return null;
  if (Number(x & 1n) !== sign) x = mod(-x);
  return { X: x, Y: y, Z: 1n, T: mod(x * y) };
}

function encodePoint(p) {
  const zi = inv(p.Z);
  const x = mod(p.X * zi);
  let y = mod(p.Y * zi);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(y & 0xffn);
    y >>= 8n;
  }
  if (x & 1n) out[31] |= 0x80;
  return out;
}

/** True when `signature` (64 bytes) is `publicKey`'s (32 bytes) Ed25519 signature of `message` (bytes). */
export async function ed25519Verify(signature, message, publicKey) {
  if (!(signature instanceof Uint8Array) || signature.length !== 64 || !(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  const s = littleEndian(signature.subarray(32));
  if (s >= L) return false;
  const a = decodePoint(publicKey);
  if (!a) return false;
  const r = signature.subarray(0, 32);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-512", concat(r, publicKey, message)));
  const k = mod(littleEndian(digest), L);
  const minusA = { X: mod(-a.X), Y: a.Y, Z: a.Z, T: mod(-a.T) };
  const check = encodePoint(add(times(BASE, s), times(minusA, k)));
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= check[i] ^ r[i];
  return diff === 0;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
