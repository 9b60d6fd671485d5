/**
 * The TemplateSink port (sdk/matcher/template-sink.ts) as a suite: the only place a
 * decrypted template may go (L6). What the fixture provides besides the sink, to look
 * inside it:
 * - `count()`: templates held;
 * - `best(subjectId, query)`: the subject's best cosine against the query, null when it
 *   holds none of theirs;
 * - `holds(embedding)`: whether the sink's memory still contains that template, in
 *   whatever form it keeps templates (the suite checks it says yes before a removal, so
 *   its no afterwards can be trusted).
 */
import { expect } from "vitest";
import type { TemplateSink } from "../../sdk/matcher/template-sink.js";
import { type Closable, type ContractOptions, type Obligation, registerContract } from "../../sdk/testing/contract-kit.js";
import { vector } from "./face-ports-fixture.js";

export interface TemplateSinkFixture extends Closable {
  sink: TemplateSink;
  count(): number;
  best(subjectId: string, query: Float32Array): number | null;
  holds(embedding: Float32Array): boolean;
}

const SCORE_SLACK = 1e-3;

function expectScores1(f: TemplateSinkFixture, subjectId: string, e: Float32Array, what: string): void {
  const score = f.best(subjectId, e);
  expect(score, what).not.toBeNull();
  expect(Math.abs(score! - 1), what).toBeLessThanOrEqual(SCORE_SLACK);
}

/** Two templates of s-amy (vectors 1 and 2), one of s-bob (vector 3). */
function amyTwiceBobOnce(f: TemplateSinkFixture): void {
  f.sink.add("s-amy", "t-1", vector(1));
  f.sink.add("s-amy", "t-2", vector(2));
  f.sink.add("s-bob", "t-3", vector(3));
}

export const templateSinkObligations: ReadonlyArray<Obligation<TemplateSinkFixture>> = [
  {
    name: "add keeps a template of the subject until it is removed",
    async check(f) {
      expect(f.count()).toBe(0);
      f.sink.add("s-amy", "t-1", vector(1));
      expect(f.count()).toBe(1);
      expectScores1(f, "s-amy", vector(1), "the template added");
      expect(f.holds(vector(1))).toBe(true);
      expect(f.best("s-bob", vector(1))).toBeNull();
    },
  },
  {
    name: "add copies the embedding: the caller wipes its own as soon as add returns",
    async check(f) {
      const lent = vector(1);
      f.sink.add("s-amy", "t-1", lent);
      lent.fill(0);
      expectScores1(f, "s-amy", vector(1), "after the caller wiped its array");
      expect(f.holds(vector(1))).toBe(true);
    },
  },
  {
    name: "keeps every template of a subject that holds several",
    async check(f) {
      f.sink.add("s-amy", "t-1", vector(1));
      f.sink.add("s-amy", "t-2", vector(2));
      expect(f.count()).toBe(2);
      expectScores1(f, "s-amy", vector(1), "the first");
      expectScores1(f, "s-amy", vector(2), "the second");
    },
  },
  {
    name: "remove removes every template of the subject before it returns, and no one else's",
    async check(f) {
      amyTwiceBobOnce(f);
      f.sink.remove("s-amy");
      expect(f.count()).toBe(1);
      expect(f.best("s-amy", vector(1))).toBeNull();
      expectScores1(f, "s-bob", vector(3), "another subject");
    },
  },
  {
    name: "remove overwrites the removed templates in memory (L6)",
    async check(f) {
      amyTwiceBobOnce(f);
      expect(f.holds(vector(1)) && f.holds(vector(2)), "positive control: the probe finds a held template").toBe(true);
      f.sink.remove("s-amy");
      expect(f.holds(vector(1)), "the first removed template").toBe(false);
      expect(f.holds(vector(2)), "the second removed template").toBe(false);
      expect(f.holds(vector(3)), "a template still held").toBe(true);
    },
  },
  {
    name: "remove of a subject it does not hold changes nothing",
    async check(f) {
      f.sink.add("s-amy", "t-1", vector(1));
      f.sink.remove("s-nobody");
      expect(f.count()).toBe(1);
      expectScores1(f, "s-amy", vector(1), "the template kept");
    },
  },
  {
    name: "a removed subject may be added again, with nothing of before",
    async check(f) {
      f.sink.add("s-amy", "t-1", vector(1));
      f.sink.remove("s-amy");
      f.sink.add("s-amy", "t-2", vector(2));
      expect(f.count()).toBe(1);
      expectScores1(f, "s-amy", vector(2), "the new template");
      expect(f.best("s-amy", vector(1))!).toBeLessThan(0.5);
      expect(f.holds(vector(1))).toBe(false);
    },
  },
];

export function templateSinkContract(options: ContractOptions<TemplateSinkFixture>): void {
  registerContract("TemplateSink contract (sdk/matcher/template-sink.ts)", options, templateSinkObligations);
}
