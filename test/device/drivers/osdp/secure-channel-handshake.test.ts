/**
 * The control panel against the simulated reader over a pty: the start sequence and the
 * Secure Channel handshake byte for byte (with the Annex E randoms, the specification's
 * cryptograms appear on the wire), install mode with KEYSET, and a restart that uses the
 * reader's new key.
 */
import { statSync, readFileSync } from "node:fs";
import { afterEach, expect, it } from "vitest";
import { crc16 } from "../../../../sdk/osdp/check.js";
import { SimOsdpReader } from "../../../../simulator/osdp/sim-osdp-reader.js";
import { type OsdpFixture, describeWithSocat, openOsdpFixture, scriptedRandom, waitFor } from "../../../support/osdp-fixture.js";

const hex = (s: string) => Uint8Array.from(s.replace(/ /g, "").match(/../g)!.map((b) => Number.parseInt(b, 16)));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();
function withCrc(body: Uint8Array): string {
  const c = crc16(body);
  return toHex(Uint8Array.from([...body, c & 0xff, c >> 8]));
}

let fx: OsdpFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describeWithSocat("OSDP Secure Channel over a pty", () => {
  it("runs the start sequence and the handshake byte for byte, with the Annex E cryptograms on the wire", async () => {
    const reader = new SimOsdpReader({ address: 0, random: scriptedRandom(hex("A0A1A2A3A4A5A6A7")) });
    const newKey = hex("F0E1D2C3B4A5968778695A4B3C2D1E0F");
    fx = await openOsdpFixture([reader], { secureChannel: "install" }, { random: scriptedRandom(hex("B0B1B2B3B4B5B6B7"), newKey) });
    await waitFor(() => fx!.drivers.primary.cardReader.status === "connected", 5000, "the reader online");
    const cmds = fx.sim.commands.map(toHex);
    const replies = fx.sim.replies.map(toHex);
    expect(cmds[0]).toBe(withCrc(hex("53 00 08 00 04 60")));
    expect(cmds[1]).toBe(withCrc(hex("53 00 09 00 05 61 00")));
    expect(cmds[2]).toBe(withCrc(hex("53 00 09 00 06 62 00")));
    // CHLNG with SCBK-D (key flag 0) and RND.A B0..B7.
    expect(cmds[3]).toBe(withCrc(hex("53 00 13 00 0F 03 11 00 76 B0B1B2B3B4B5B6B7")));
    // CCRYPT: client id, RND.B A0..A7 and the Annex E client cryptogram.
    expect(replies[3]).toBe(withCrc(hex(`53 80 2B 00 0F 03 12 00 76 5A0F0103CDAB3412 A0A1A2A3A4A5A6A7 FDE5D2F428EC163124 71EA3C02BD7796`)));
    // SCRYPT with the Annex E server cryptogram (sequence 3 wraps to 1), RMAC_I with the initial R-MAC.
    expect(cmds[4]).toBe(withCrc(hex("53 00 1B 00 0D 03 13 00 77 26D3356E07762D262801FC8E6665A891")));
    expect(replies[4]).toBe(withCrc(hex("53 80 1B 00 0D 03 14 01 78 B2A30057EB98BA2229EC1F875662B524")));
    // KEYSET goes encrypted (security block 0x17), so the new key is not on the wire.
    expect(cmds[5]!.slice(10, 14)).toBe("0217");
    expect(cmds.join("")).not.toContain(toHex(newKey));
    expect(fx.events.map((e) => e.type)).toEqual(["key_installed", "secure_channel_established", "online"]);
    expect(toHex(reader.scbk!)).toBe(toHex(newKey));
    // The reader's own key is in the key file (mode 0600), never in a log.
    expect(statSync(fx.keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(fx.keyFile, "utf8")).toContain(toHex(newKey).toLowerCase());
    expect(fx.logs.text().toLowerCase()).not.toContain(toHex(newKey).toLowerCase());
  });

  it("reconnects after a restart with the reader's own key, and the reader refuses SCBK-D from then on", async () => {
    const reader = new SimOsdpReader({ address: 3 });
    fx = await openOsdpFixture([reader], { secureChannel: "install" });
    await waitFor(() => fx!.drivers.primary.cardReader.status === "connected", 5000, "installed");
    const installed = Uint8Array.from(reader.scbk!);
    await fx.restartPanel({ secureChannel: "required" });
    fx.events.length = 0;
    await waitFor(() => fx!.drivers.primary.cardReader.status === "connected", 5000, "connected with its own key");
    expect(fx.events).toContainEqual(expect.objectContaining({ type: "secure_channel_established", key: "own" }));
    expect(toHex(reader.scbk!)).toBe(toHex(installed));
    expect(fx.drivers.primary.state()).toMatchObject({ connected: true, secure: true, identity: { vendorCode: "5A0F01", serialNumber: 0x1234abcd } });
    // A panel without the key (another key file) cannot get in with SCBK-D either.
    await fx.restartPanel({ secureChannel: "install", keyFile: `${fx.dir}/other-keys.json` });
    fx.events.length = 0;
    await waitFor(() => fx!.events.some((e) => e.type === "secure_channel_failed"), 5000, "refused");
    expect(fx.drivers.primary.cardReader.status).toBe("disconnected");
    expect(fx.events.find((e) => e.type === "secure_channel_failed")).toMatchObject({ reason: expect.stringMatching(/challenge refused/) });
  });
});
