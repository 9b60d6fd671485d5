/**
 * OSDP Secure Channel (SIA OSDP v2.2 Annex D), the cryptography both ends share.
 *
 * From the reader's base key (SCBK) and the control panel's 8-byte random RND.A:
 *   S-ENC  = AES-ECB(SCBK, 01 82 RND.A[0..5] 00*8)
 *   S-MAC1 = AES-ECB(SCBK, 01 01 RND.A[0..5] 00*8)
 *   S-MAC2 = AES-ECB(SCBK, 01 02 RND.A[0..5] 00*8)
 * With the reader's random RND.B:
 *   client cryptogram (reader -> panel, CCRYPT) = AES-ECB(S-ENC, RND.A || RND.B)
 *   server cryptogram (panel -> reader, SCRYPT) = AES-ECB(S-ENC, RND.B || RND.A)
 *   initial R-MAC (RMAC_I) = AES-ECB(S-MAC2, AES-ECB(S-MAC1, server cryptogram))
 *
 * Every later message carries a MAC: AES-CBC over the frame from SOM to the end of the
 * data (padded with 0x80 then zeros when not a multiple of 16), S-MAC1 for all blocks but
 * the last, S-MAC2 for the last. The chaining value (IV) of a command is the last reply's
 * full 16-byte MAC (R-MAC), that of a reply the command's (C-MAC); 4 bytes are sent.
 * Data is AES-128-CBC under S-ENC with 0x80 then zeros appended (always), the IV being the
 * bitwise complement of the other side's last MAC. The Annex E vectors are checked in
 * test/sdk/osdp/secure-channel.test.ts.
 *
 * The one platform dependency of sdk/osdp: AES from node:crypto.
 */
import { createCipheriv, createDecipheriv, timingSafeEqual } from "node:crypto";
import { HardwareError } from "../errors.js";
import { SCS } from "./codes.js";
import { type FrameFields, type OsdpFrame, encodeFrame } from "./frame.js";

/** The default install key SCBK-D, "0123456789:;<=>?": for install mode only. */
export const SCBK_DEFAULT: Uint8Array = Uint8Array.from([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f]);

const BLOCK = 16;

function aesEcb(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv("aes-128-ecb", key, null);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(block), c.final()]));
}

function aesCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
  const c = decrypt ? createDecipheriv("aes-128-cbc", key, iv) : createCipheriv("aes-128-cbc", key, iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

function complement(bytes: Uint8Array): Uint8Array {
  return bytes.map((b) => ~b & 0xff);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export interface SessionKeys {
  sEnc: Uint8Array;
  sMac1: Uint8Array;
  sMac2: Uint8Array;
}

export function deriveSessionKeys(scbk: Uint8Array, rndA: Uint8Array): SessionKeys {
  if (scbk.length !== BLOCK || rndA.length !== 8) throw new RangeError("SCBK must be 16 bytes and RND.A 8 bytes");
  const diversifier = (b1: number) => {
    const d = new Uint8Array(BLOCK);
    d[0] = 0x01;
    d[1] = b1;
    d.set(rndA.subarray(0, 6), 2);
    return aesEcb(scbk, d);
  };
  return { sEnc: diversifier(0x82), sMac1: diversifier(0x01), sMac2: diversifier(0x02) };
}

export function clientCryptogram(keys: SessionKeys, rndA: Uint8Array, rndB: Uint8Array): Uint8Array {
  return aesEcb(keys.sEnc, concat(rndA, rndB));
}

export function serverCryptogram(keys: SessionKeys, rndA: Uint8Array, rndB: Uint8Array): Uint8Array {
  return aesEcb(keys.sEnc, concat(rndB, rndA));
}

export function initialRmac(keys: SessionKeys, serverCrypt: Uint8Array): Uint8Array {
  return aesEcb(keys.sMac2, aesEcb(keys.sMac1, serverCrypt));
}

/** The full 16-byte MAC of `message` chained from `iv`. */
export function computeMac(keys: SessionKeys, iv: Uint8Array, message: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.max(BLOCK, Math.ceil(message.length / BLOCK) * BLOCK));
  padded.set(message);
  if (message.length % BLOCK !== 0 || message.length === 0) padded[message.length] = 0x80;
  let chain = iv;
  if (padded.length > BLOCK) {
    const head = aesCbc(keys.sMac1, iv, padded.subarray(0, padded.length - BLOCK), false);
    chain = head.subarray(head.length - BLOCK);
  }
  const last = padded.subarray(padded.length - BLOCK).map((b, i) => b ^ chain[i]!);
  return aesEcb(keys.sMac2, last);
}

export function encryptData(keys: SessionKeys, otherMac: Uint8Array, data: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil((data.length + 1) / BLOCK) * BLOCK);
  padded.set(data);
  padded[data.length] = 0x80;
  return aesCbc(keys.sEnc, complement(otherMac), padded, false);
}

/** Decrypts and strips the 0x80 padding; null when the block is not well formed. */
export function decryptData(keys: SessionKeys, otherMac: Uint8Array, data: Uint8Array): Uint8Array | null {
  if (data.length === 0 || data.length % BLOCK !== 0) return null;
  const plain = aesCbc(keys.sEnc, complement(otherMac), data, true);
  let end = plain.length - 1;
  while (end > 0 && plain[end] === 0) end--;
  return plain[end] === 0x80 ? plain.slice(0, end) : null;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class SecureChannelError extends HardwareError {
  constructor(problem: string) {
    super("osdp_secure_channel", `OSDP secure channel: ${problem}`);
  }
}

/**
 * An established session at one end. `seal` builds an outgoing frame (MAC always,
 * encrypted data whenever there is data); `open` checks an incoming frame and returns its
 * plain data, or throws SecureChannelError and leaves the chaining state untouched.
 */
export class SecureSession {
  private cMac: Uint8Array;
  private rMac: Uint8Array;

  constructor(
    private readonly keys: SessionKeys,
    rmacI: Uint8Array,
    readonly role: "acu" | "pd",
  ) {
    this.rMac = rmacI.slice();
    this.cMac = new Uint8Array(BLOCK);
  }

  seal(fields: Omit<FrameFields, "scb">): Uint8Array {
    const acu = this.role === "acu";
    const data = fields.data ?? new Uint8Array(0);
    const iv = acu ? this.rMac : this.cMac;
    const encrypted = data.length > 0;
    const type = acu ? (encrypted ? SCS.CMD_ENC : SCS.CMD_MAC) : encrypted ? SCS.REPLY_ENC : SCS.REPLY_MAC;
    const wire = encrypted ? encryptData(this.keys, iv, data) : data;
    return encodeFrame({ ...fields, data: wire, scb: { type, data: new Uint8Array(0) } }, (covered) => {
      const mac = computeMac(this.keys, iv, covered);
      if (acu) this.cMac = mac;
      else this.rMac = mac;
      return mac.subarray(0, 4);
    });
  }

  open(frame: OsdpFrame): Uint8Array {
    const fromAcu = this.role === "pd";
    const type = frame.scb?.type;
    const allowed = fromAcu ? [SCS.CMD_MAC, SCS.CMD_ENC] : [SCS.REPLY_MAC, SCS.REPLY_ENC];
    if (type === undefined) throw new SecureChannelError("message in the clear while the secure channel is established");
    if (!(allowed as number[]).includes(type) || !frame.mac) throw new SecureChannelError(`unexpected security block type 0x${type.toString(16)}`);
    const iv = fromAcu ? this.rMac : this.cMac;
    const mac = computeMac(this.keys, iv, frame.authenticated);
    if (!sameBytes(mac.subarray(0, 4), frame.mac)) throw new SecureChannelError("MAC check failed");
    let data = frame.data;
    if (type === SCS.CMD_ENC || type === SCS.REPLY_ENC) {
      // The data's IV is the complement of this side's own last MAC (the other side's "other").
      const plain = decryptData(this.keys, fromAcu ? this.rMac : this.cMac, frame.data);
      if (!plain) throw new SecureChannelError("encrypted data block is malformed");
      data = plain;
    } else if (data.length > 0 && !fromAcu) {
      // Card data and keys must not cross the bus readable: a reply with data must be encrypted.
      throw new SecureChannelError("reply data not encrypted");
    }
    if (fromAcu) this.cMac = mac;
    else this.rMac = mac;
    return data;
  }

  /** Overwrites the session keys (on close or when the channel is dropped). */
  destroy(): void {
    this.keys.sEnc.fill(0);
    this.keys.sMac1.fill(0);
    this.keys.sMac2.fill(0);
    this.cMac.fill(0);
    this.rMac.fill(0);
  }
}
