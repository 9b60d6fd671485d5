/**
 * The FaceMatcher port (sdk/gate/ports.ts) as a suite: 1:N and 1:1 search over the
 * gallery of enrolled, consenting people only (L1, L4), embeddings lent for the call.
 * People are put in the gallery through the paired PrivacyDesk (face-ports-fixture.ts).
 */
import { expect } from "vitest";
import type { FaceCandidate } from "../../sdk/gate/ports.js";
import { type Obligation, registerContract } from "../../sdk/testing/contract-kit.js";
import { type FacePortsFixture, type FacePortsImplementation, blend, consentAtGate, exactCosine, vector } from "./face-ports-fixture.js";

/** Scores may differ from the exact cosine by the gallery's quantisation (SCORE_TOLERANCE, 3e-4) and float rounding. */
const SCORE_SLACK = 1e-3;

async function enroll(f: FacePortsFixture, personRef: string, ...embeddings: Float32Array[]): Promise<string[]> {
  await consentAtGate(f, personRef);
  const ids: string[] = [];
  for (const e of embeddings) ids.push((await f.desk.enrollFromEmbedding(personRef, Float32Array.from(e), f.gates.gate)).templateId);
  return ids;
}

async function search(f: FacePortsFixture, query: Float32Array, k: number, gateId = f.gates.gate): Promise<readonly FaceCandidate[]> {
  return f.matcher(gateId).search(Float32Array.from(query), k);
}

const refs = (hits: readonly FaceCandidate[]) => hits.map((h) => h.personRef);

export const faceMatcherObligations: ReadonlyArray<Obligation<FacePortsFixture>> = [
  {
    name: "answers an empty gallery with no candidates, and verify with null",
    async check(f) {
      expect(await search(f, vector(1), 5)).toEqual([]);
      expect(await f.matcher(f.gates.gate).verify("p-nobody", vector(1))).toBeNull();
    },
  },
  {
    name: "search gives the best k candidates, best first, each person once with their best template",
    async check(f) {
      const [, amyBest] = await enroll(f, "p-amy", vector(1), vector(2));
      await enroll(f, "p-bob", vector(3));
      await enroll(f, "p-cat", vector(4));
      const query = blend(vector(2), vector(9), 0.2);
      const all = await search(f, query, 5);
      expect(refs(all).sort()).toEqual(["p-amy", "p-bob", "p-cat"]);
      expect(all[0]).toMatchObject({ personRef: "p-amy", templateId: amyBest });
      const scores = all.map((h) => h.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(refs(await search(f, query, 1))).toEqual(["p-amy"]);
      expect(await search(f, query, 2)).toHaveLength(2);
    },
  },
  {
    name: "scores are cosine similarities: an enrolled vector scores 1 against itself",
    async check(f) {
      await enroll(f, "p-amy", vector(1));
      const [self] = await search(f, vector(1), 1);
      expect(Math.abs(self!.score - 1)).toBeLessThanOrEqual(SCORE_SLACK);
      const near = blend(vector(1), vector(7), 0.5);
      const [hit] = await search(f, near, 1);
      expect(Math.abs(hit!.score - exactCosine(near, vector(1)))).toBeLessThanOrEqual(SCORE_SLACK);
    },
  },
  {
    name: "verify gives a person's best score against their own templates, null for a person without templates",
    async check(f) {
      await enroll(f, "p-amy", vector(1), vector(2));
      await enroll(f, "p-bob", vector(3));
      const query = blend(vector(2), vector(8), 0.3);
      const score = await f.matcher(f.gates.gate).verify("p-amy", Float32Array.from(query));
      expect(Math.abs(score! - exactCosine(query, vector(2)))).toBeLessThanOrEqual(SCORE_SLACK);
      const bob = await f.matcher(f.gates.gate).verify("p-bob", Float32Array.from(query));
      expect(Math.abs(bob! - exactCosine(query, vector(3)))).toBeLessThanOrEqual(SCORE_SLACK);
      expect(await f.matcher(f.gates.gate).verify("p-nobody", Float32Array.from(query))).toBeNull();
    },
  },
  {
    name: "holds consenting people only: a person whose consent expired is out of search and verify before the next search (L1)",
    async check(f) {
      const { expiresAt } = await consentAtGate(f, "p-amy");
      await f.desk.enrollFromEmbedding("p-amy", vector(1), f.gates.gate);
      f.clock.set(expiresAt - 1);
      expect(refs(await search(f, vector(1), 5))).toEqual(["p-amy"]);
      f.clock.set(expiresAt);
      expect(await search(f, vector(1), 5), "search after expiry").toEqual([]);
      expect(await f.matcher(f.gates.gate).verify("p-amy", vector(1)), "verify after expiry").toBeNull();
    },
  },
  {
    name: "a person whose consent was withdrawn, or whose templates were deleted, is out before the next search (L7)",
    async check(f) {
      await enroll(f, "p-amy", vector(1));
      await enroll(f, "p-bob", vector(2));
      await f.desk.withdrawConsent("p-amy");
      await f.desk.deleteTemplates("p-bob");
      expect(await search(f, vector(1), 5)).toEqual([]);
      expect(await f.matcher(f.gates.gate).verify("p-amy", vector(1))).toBeNull();
      expect(await f.matcher(f.gates.gate).verify("p-bob", vector(2))).toBeNull();
    },
  },
  {
    name: "matches a person at the gates their consent covers and at no other gate (L1)",
    async check(f) {
      await enroll(f, "p-amy", vector(1));
      expect(refs(await search(f, vector(1), 5, f.gates.siteGate))).toEqual(["p-amy"]);
      expect(await search(f, vector(1), 5, f.gates.foreignGate)).toEqual([]);
      expect(await f.matcher(f.gates.foreignGate).verify("p-amy", vector(1))).toBeNull();
    },
  },
  {
    name: "neither keeps nor changes the embedding it is lent, and hands none back (L4, L6)",
    async check(f) {
      await enroll(f, "p-amy", vector(1));
      const query = blend(vector(1), vector(5), 0.3);
      const lent = Float32Array.from(query);
      const first = await f.matcher(f.gates.gate).search(lent, 1);
      expect(lent, "search left the query as it was").toEqual(query);
      lent.fill(0); // what the gate does once the call returns
      const again = await search(f, query, 1);
      expect(again).toEqual(first);
      const verifyLent = Float32Array.from(query);
      await f.matcher(f.gates.gate).verify("p-amy", verifyLent);
      expect(verifyLent, "verify left the query as it was").toEqual(query);
      for (const hit of first) expect(Object.keys(hit).sort()).toEqual(["personRef", "score", "templateId"]);
    },
  },
  {
    name: "templates() counts what a 1:N search compares with: up with each template enrolled, down when they are deleted (the face-alone threshold grows with it)",
    async check(f) {
      const m = f.matcher(f.gates.gate);
      expect(m.templates, "every matcher shipped or used in tests reports its size").toBeTypeOf("function");
      const before = m.templates!();
      await enroll(f, "p-amy", vector(1), vector(2));
      await enroll(f, "p-bob", vector(3));
      expect(m.templates!()).toBe(before + 3);
      await f.desk.deleteTemplates("p-amy");
      expect(m.templates!()).toBe(before + 1);
    },
  },
];

export function faceMatcherContract(implementation: FacePortsImplementation): void {
  registerContract("FaceMatcher contract (sdk/gate/ports.ts)", implementation, faceMatcherObligations);
}
