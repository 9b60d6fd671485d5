/** The specification's Annex E check-character examples, and frames byte for byte. */
import { describe, expect, it } from "vitest";
import { checksum8, crc16 } from "../../../sdk/osdp/check.js";
import { CMD } from "../../../sdk/osdp/codes.js";
import { FrameParser, decodeFrame, encodeFrame } from "../../../sdk/osdp/frame.js";

const hex = (s: string) => Uint8Array.from(s.split(" ").map((b) => Number.parseInt(b, 16)));
const le = (crc: number) => [crc & 0xff, crc >> 8];

describe("OSDP check characters (Annex E)", () => {
  it("gives the CRC bytes C0 66 for the ID command 53 00 09 00 04 61 00", () => {
    expect(le(crc16(hex("53 00 09 00 04 61 00")))).toEqual([0xc0, 0x66]);
  });

  it("gives the CRC bytes 6E 38 for the broadcast COMSET 53 7F 0D 00 04 6E 00 80 25 00 00", () => {
    expect(le(crc16(hex("53 7F 0D 00 04 6E 00 80 25 00 00")))).toEqual([0x6e, 0x38]);
  });

  it("gives the checksums 44 and 0F of the two checksum examples", () => {
    expect(checksum8(hex("53 00 08 00 00 61 00"))).toBe(0x44);
    expect(checksum8(hex("53 7F 0C 00 00 6E 00 80 25 00 00"))).toBe(0x0f);
  });
});

describe("OSDP frames", () => {
  it("encodes the ID command exactly as the specification's example", () => {
    const frame = encodeFrame({ address: 0, reply: false, sqn: 0, crc: true, code: CMD.ID, data: hex("00") });
    expect([...frame]).toEqual([...hex("53 00 09 00 04 61 00 C0 66")]);
    const checksummed = encodeFrame({ address: 0, reply: false, sqn: 0, crc: false, code: CMD.ID, data: hex("00") });
    expect([...checksummed]).toEqual([...hex("53 00 08 00 00 61 00 44")]);
  });

  it("round-trips a reply with a security block and a MAC", () => {
    const bytes = encodeFrame({ address: 5, reply: true, sqn: 2, crc: true, scb: { type: 0x16, data: new Uint8Array(0) }, code: 0x40 }, () => hex("01 02 03 04"));
    const f = decodeFrame(bytes);
    expect(f).toMatchObject({ address: 5, reply: true, sqn: 2, crc: true, code: 0x40, scb: { type: 0x16 } });
    expect([...f.mac!]).toEqual([1, 2, 3, 4]);
    expect([...f.authenticated]).toEqual([...bytes.subarray(0, bytes.length - 6)]);
  });

  it("refuses a frame whose CRC or length is wrong", () => {
    const good = hex("53 00 09 00 04 61 00 C0 66");
    expect(() => decodeFrame(hex("53 00 09 00 04 61 00 C0 67"))).toThrow(/CRC mismatch/);
    expect(() => decodeFrame(good.subarray(0, 8))).toThrow(/length field/);
  });
});

describe("OSDP stream parser", () => {
  const id = hex("53 00 09 00 04 61 00 C0 66");

  it("reads frames split across chunks and back to back", () => {
    const p = new FrameParser();
    expect(p.push(id.subarray(0, 3))).toEqual([]);
    const frames = p.push(Uint8Array.from([...id.subarray(3), ...id]));
    expect(frames.map((f) => f.code)).toEqual([CMD.ID, CMD.ID]);
    expect(p.discarded).toBe(0);
  });

  it("resynchronises after garbage, a corrupted frame and a stray SOM announcing a long frame", () => {
    const p = new FrameParser();
    const corrupted = Uint8Array.from(id);
    corrupted[6] = 0x01;
    const garbage = hex("00 FF 53 53 12 53 FF 02 00");
    const frames = p.push(Uint8Array.from([...garbage, ...corrupted, ...id]));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.code).toBe(CMD.ID);
    // A stray SOM that announces 0x0200 bytes does not hide the reply that follows it.
    const q = new FrameParser();
    expect(q.push(Uint8Array.from([0x53, 0x80, 0x00, 0x02, ...id])).map((f) => f.code)).toEqual([CMD.ID]);
    expect(q.discarded).toBe(4);
  });
});
