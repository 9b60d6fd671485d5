/**
 * Secure Channel against the specification's Annex E example (SCBK-D, RND.A B0..B7,
 * RND.B A0..A7), then a session both ways: MAC chaining, encrypted data, and refusal of
 * anything altered, replayed or sent in the clear.
 */
import { describe, expect, it } from "vitest";
import { CMD, REPLY, SCS } from "../../../sdk/osdp/codes.js";
import { crc16 } from "../../../sdk/osdp/check.js";
import { decodeFrame, encodeFrame } from "../../../sdk/osdp/frame.js";
import {
  SCBK_DEFAULT,
  SecureSession,
  clientCryptogram,
  deriveSessionKeys,
  initialRmac,
  serverCryptogram,
} from "../../../sdk/osdp/secure-channel.js";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => Number.parseInt(b, 16)));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();
const RND_A = hex("B0B1B2B3B4B5B6B7");
const RND_B = hex("A0A1A2A3A4A5A6A7");

describe("OSDP secure channel: Annex E vectors", () => {
  it("SCBK-D is the ASCII string 0123456789:;<=>?", () => {
    expect(Buffer.from(SCBK_DEFAULT).toString("ascii")).toBe("0123456789:;<=>?");
  });

  it("derives S-ENC, S-MAC1 and S-MAC2 from SCBK-D and RND.A", () => {
    const k = deriveSessionKeys(SCBK_DEFAULT, RND_A);
    expect(toHex(k.sEnc)).toBe("BF8DC2A8329ACB8C67C6D0CD9A451682");
    expect(toHex(k.sMac1)).toBe("5E86C676603BDEE2D8BEAFE178637332");
    expect(toHex(k.sMac2)).toBe("6FDA86E857777E81132035758239172E");
  });

  it("computes the client and server cryptograms and the initial R-MAC", () => {
    const k = deriveSessionKeys(SCBK_DEFAULT, RND_A);
    expect(toHex(clientCryptogram(k, RND_A, RND_B))).toBe("FDE5D2F428EC163124 71EA3C02BD7796".replace(" ", ""));
    const server = serverCryptogram(k, RND_A, RND_B);
    expect(toHex(server)).toBe("26D3356E07762D262801FC8E6665A891");
    expect(toHex(initialRmac(k, server))).toBe("B2A30057EB98BA2229EC1F875662B524");
  });
});

function pair(): { acu: SecureSession; pd: SecureSession } {
  const scbk = hex("000102030405060708090A0B0C0D0E0F");
  const make = () => deriveSessionKeys(scbk, RND_A);
  const rmac = initialRmac(make(), serverCryptogram(make(), RND_A, RND_B));
  return { acu: new SecureSession(make(), rmac, "acu"), pd: new SecureSession(make(), rmac, "pd") };
}

describe("OSDP secure channel: a session", () => {
  it("MACs and encrypts both ways, chaining each MAC into the next", () => {
    const { acu, pd } = pair();
    const led = hex("0000020A0A0200140001000000");
    for (let round = 0; round < 3; round++) {
      const cmd = decodeFrame(acu.seal({ address: 1, reply: false, sqn: 1 + round, crc: true, code: CMD.LED, data: led }));
      expect(cmd.scb?.type).toBe(SCS.CMD_ENC);
      expect(toHex(cmd.data)).not.toContain(toHex(led));
      expect(toHex(pd.open(cmd))).toBe(toHex(led));
      const card = hex("000018001234AB");
      const reply = decodeFrame(pd.seal({ address: 1, reply: true, sqn: 1 + round, crc: true, code: REPLY.RAW, data: card }));
      expect(reply.scb?.type).toBe(SCS.REPLY_ENC);
      expect(toHex(acu.open(reply))).toBe(toHex(card));
    }
    const poll = decodeFrame(acu.seal({ address: 1, reply: false, sqn: 1, crc: true, code: CMD.POLL }));
    expect(poll.scb?.type).toBe(SCS.CMD_MAC);
    expect(pd.open(poll)).toHaveLength(0);
  });

  it("refuses an altered byte, a replayed command and a reply in the clear, keeping its state", () => {
    const { acu, pd } = pair();
    const bytes = acu.seal({ address: 1, reply: false, sqn: 1, crc: true, code: CMD.LED, data: hex("00000101") });
    // One bit of the encrypted data flipped, the CRC made right again: only the MAC can tell.
    const altered = Uint8Array.from(bytes);
    altered[8] = altered[8]! ^ 0x01;
    const c = crc16(altered, 0, altered.length - 2);
    altered.set([c & 0xff, c >> 8], altered.length - 2);
    expect(() => pd.open(decodeFrame(altered))).toThrow(/MAC check failed/);
    expect(pd.open(decodeFrame(bytes))).toHaveLength(4);
    const ack = decodeFrame(pd.seal({ address: 1, reply: true, sqn: 1, crc: true, code: REPLY.ACK }));
    // Once answered, the command's MAC chain has moved on: replaying it fails.
    expect(() => pd.open(decodeFrame(bytes))).toThrow(/MAC check failed/);
    expect(acu.open(ack)).toHaveLength(0);
    const clear = decodeFrame(encodeFrame({ address: 1, reply: true, sqn: 1, crc: true, code: REPLY.ACK }));
    expect(() => acu.open(clear)).toThrow(/in the clear/);
    const next = decodeFrame(acu.seal({ address: 1, reply: false, sqn: 2, crc: true, code: CMD.POLL }));
    expect(pd.open(next)).toHaveLength(0);
    const good = decodeFrame(pd.seal({ address: 1, reply: true, sqn: 2, crc: true, code: REPLY.ACK }));
    expect(acu.open(good)).toHaveLength(0);
  });
});
