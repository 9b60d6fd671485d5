/**
 * The published JSON Schemas are what the code checks with: the committed files equal what
 * `facegate schema all` generates now, and documents the code accepts validate against them
 * with a plain JSON Schema validator (as a third party would use them).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { allPublishedSchemas } from "../../../device/schemas/published-schemas.js";
import { generateEd25519KeyPair } from "../../../sdk/crypto/keys.js";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { ManualClock } from "../../../sdk/time/clock.js";
import { repoRoot } from "../../support/faces.js";

/** A validator as a third party would configure it: our annotation keywords are known, nothing else is special. */
function thirdParty(): Ajv {
  const ajv = new Ajv({ strict: false, discriminator: true, allErrors: true });
  return ajv;
}

function published(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(repoRoot, path), "utf8")) as Record<string, unknown>;
}

describe("published schemas", () => {
  it("are committed exactly as generated (run `npx facegate schema all --out .` after changing a schema)", () => {
    for (const f of allPublishedSchemas()) expect(readFileSync(join(repoRoot, f.path), "utf8"), f.path).toBe(f.content);
  });

  it("accept the example configuration and refuse a face-only gate", () => {
    const validate = thirdParty().compile(published("device/config/device-config.schema.json"));
    const example = JSON.parse(readFileSync(join(repoRoot, "device", "config", "example.json"), "utf8")) as { gates: unknown[] };
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...example, gates: [{ gateId: "lobby", mode: "face_only" }] })).toBe(false);
  });

  it("accept every scenario file", () => {
    const validate = thirdParty().compile(published("device/scenario/scenario.schema.json"));
    const dir = join(repoRoot, "simulator", "scenarios");
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
      expect(validate(JSON.parse(readFileSync(join(dir, f), "utf8"))), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("accept a signed command and its body, and refuse an unknown field", async () => {
    const ajv = thirdParty();
    const envelope = ajv.compile(published("sdk/protocol/schemas/command-envelope.schema.json"));
    const body = ajv.compile(published("sdk/protocol/schemas/bodies/person.upsert.schema.json"));
    const key = await generateEd25519KeyPair();
    const personBody = { personRef: "p-1", cards: ["C0FFEE01"] };
    const gateBox = (await loadSodium()).crypto_box_keypair();
    const cmd = await buildCommand({ site: "estate-7", gate: "north", type: "person.upsert", body: personBody, key, sealTo: gateBox.publicKey, clock: new ManualClock() });
    expect(envelope(cmd), JSON.stringify(envelope.errors)).toBe(true);
    expect(body(personBody), JSON.stringify(body.errors)).toBe(true);
    expect(envelope({ ...cmd, extra: 1 })).toBe(false);
    expect(envelope({ ...cmd, v: 1 }), "contract v1 (bodies in clear) is not v2").toBe(false);
    expect(body({ ...personBody, pin: "12ab" })).toBe(false);
  });

  it("describe every topic of the contract in the AsyncAPI document", () => {
    const doc = published("sdk/protocol/schemas/asyncapi.json") as { asyncapi: string; channels: Record<string, unknown> };
    expect(doc.asyncapi).toBe("2.6.0");
    expect(Object.keys(doc.channels).sort()).toEqual(
      ["{prefix}/v2/{site}/{gate}/commands/request", "{prefix}/v2/{site}/{gate}/commands/result/{commandId}", "{prefix}/v2/{site}/{gate}/events/{category}", "{prefix}/v2/{site}/{gate}/notice", "{prefix}/v2/{site}/{gate}/state"].sort(),
    );
  });
});
