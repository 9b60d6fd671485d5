/**
 * The simulated reader on its own, frame in, frame out (no pty): the protocol rules the
 * control panel relies on, so a panel bug cannot hide behind a matching simulator bug.
 */
import { describe, expect, it } from "vitest";
import { CMD, NAK, REPLY, SCS } from "../../../sdk/osdp/codes.js";
import { decodeFrame, encodeFrame } from "../../../sdk/osdp/frame.js";
import { decodeCcrypt, encodeKeyset } from "../../../sdk/osdp/messages.js";
import { SCBK_DEFAULT, SecureSession, deriveSessionKeys, initialRmac, serverCryptogram } from "../../../sdk/osdp/secure-channel.js";
import { SimOsdpReader } from "../../../simulator/osdp/sim-osdp-reader.js";

const cmd = (code: number, sqn: number, data: Uint8Array = new Uint8Array(0), scb?: { type: number; data: Uint8Array }) =>
  decodeFrame(encodeFrame({ address: 0, reply: false, sqn, crc: true, code, data, scb }));
const ask = (r: SimOsdpReader, frame: ReturnType<typeof cmd>) => decodeFrame(r.handle(frame)!);

function handshake(r: SimOsdpReader, key: Uint8Array, flag: number, sqn: number): SecureSession {
  const rndA = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const cc = decodeCcrypt(ask(r, cmd(CMD.CHLNG, sqn, rndA, { type: SCS.CHLNG, data: Uint8Array.of(flag) })).data);
  const keys = deriveSessionKeys(key, rndA);
  const server = serverCryptogram(keys, rndA, cc.rndB);
  const rmac = ask(r, cmd(CMD.SCRYPT, sqn + 1, server, { type: SCS.SCRYPT, data: Uint8Array.of(flag) }));
  expect(rmac.code).toBe(REPLY.RMAC_I);
  return new SecureSession(deriveSessionKeys(key, rndA), initialRmac(keys, server), "acu");
}

describe("simulated OSDP reader", () => {
  it("answers a repeated sequence number with its last reply, byte for byte, and NAKs a skipped one", () => {
    const r = new SimOsdpReader({ address: 0 });
    ask(r, cmd(CMD.POLL, 0));
    const first = r.handle(cmd(CMD.ID, 1, Uint8Array.of(0)))!;
    r.presentCard("1010");
    expect(r.handle(cmd(CMD.ID, 1, Uint8Array.of(0)))).toEqual(first);
    expect(ask(r, cmd(CMD.POLL, 3))).toMatchObject({ code: REPLY.NAK, data: Uint8Array.of(NAK.SEQUENCE) });
    expect(ask(r, cmd(CMD.POLL, 2)).code).toBe(REPLY.RAW);
  });

  it("takes SCBK-D only out of the box, KEYSET only encrypted, and its own key afterwards", () => {
    const r = new SimOsdpReader({ address: 0 });
    ask(r, cmd(CMD.POLL, 0));
    const plainKeyset = ask(r, cmd(CMD.KEYSET, 1, encodeKeyset(new Uint8Array(16).fill(7))));
    expect(plainKeyset).toMatchObject({ code: REPLY.NAK, data: Uint8Array.of(NAK.ENCRYPTION_REQUIRED) });
    const session = handshake(r, SCBK_DEFAULT, 0, 2);
    const own = new Uint8Array(16).fill(9);
    const ack = decodeFrame(r.handle(decodeFrame(session.seal({ address: 0, reply: false, sqn: 1, crc: true, code: CMD.KEYSET, data: encodeKeyset(own) })))!);
    expect(session.open(ack)).toHaveLength(0);
    expect(r.scbk).toEqual(own);
    ask(r, cmd(CMD.POLL, 0));
    expect(ask(r, cmd(CMD.CHLNG, 1, new Uint8Array(8), { type: SCS.CHLNG, data: Uint8Array.of(0) }))).toMatchObject({ code: REPLY.NAK, data: Uint8Array.of(NAK.SECURITY_UNSUPPORTED) });
    handshake(r, own, 1, 2);
    expect(r.secure).toBe(true);
  });

  it("gives nothing but its identity in the clear once it has a key of its own", () => {
    const r = new SimOsdpReader({ address: 0, scbk: new Uint8Array(16).fill(1) });
    ask(r, cmd(CMD.POLL, 0));
    r.presentCard("1111");
    expect(ask(r, cmd(CMD.POLL, 1)).code).toBe(REPLY.ACK);
    expect(ask(r, cmd(CMD.ID, 2, Uint8Array.of(0))).code).toBe(REPLY.PDID);
    expect(ask(r, cmd(CMD.LED, 3, new Uint8Array(14)))).toMatchObject({ code: REPLY.NAK, data: Uint8Array.of(NAK.ENCRYPTION_REQUIRED) });
  });
});
