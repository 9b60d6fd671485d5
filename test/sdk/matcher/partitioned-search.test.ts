import { describe, expect, it } from "vitest";
import { CodeStore } from "../../../sdk/matcher/code-store.js";
import { GalleryIndex, type PartitionOptions, type SearchHit } from "../../../sdk/matcher/gallery-index.js";
import { mulberry32, randomUnitVector, SyntheticFaces } from "../../../sdk/matcher/synthetic-embeddings.js";
import { COARSE_BYTES, encodeTemplate, FINE_BYTES, normalizeInto } from "../../../sdk/matcher/template-codes.js";
import { DEFAULT_MATCH_THRESHOLD } from "../../../sdk/vision/similarity.js";
import type { Enrolled } from "./exact-search.js";

/** The gate's rule: the top-1 subject if its score reaches the threshold, else shut. */
function decision(hits: SearchHit[]): string | null {
  const top = hits[0];
  return top && top.score >= DEFAULT_MATCH_THRESHOLD ? top.subjectId : null;
}

function faceGallery(seed: number, subjects: number, perSubject = 2) {
  const faces = new SyntheticFaces(mulberry32(seed));
  const centres: Float32Array[] = [];
  const gallery: Enrolled[] = [];
  for (let s = 0; s < subjects; s++) {
    const centre = faces.identity();
    centres.push(centre);
    for (let t = 0; t < perSubject; t++) gallery.push({ subjectId: `subject-${s}`, templateId: `template-${s}-${t}`, vector: faces.template(centre) });
  }
  return { faces, centres, gallery };
}

function indexOf(gallery: readonly Enrolled[], partition: PartitionOptions | false, store?: CodeStore): GalleryIndex {
  const index = new GalleryIndex({ partition, ...(store ? { store } : {}) });
  for (const e of gallery) index.add(e.subjectId, e.templateId, e.vector);
  return index;
}

/** The defaults (from 20,000 templates, sqrt(N) lists, DEFAULT_NPROBE scanned), with a seeded random source. */
const DEFAULTS: PartitionOptions = { random: mulberry32(77) };

function agreement(exact: GalleryIndex, partitioned: GalleryIndex, queries: Float32Array[]) {
  let same = 0;
  let falseAccepts = 0;
  for (const q of queries) {
    const e = decision(exact.search(q, 1));
    const p = decision(partitioned.search(q, 1));
    if (e === p) same++;
    else if (p !== null) falseAccepts++;
  }
  return { share: same / queries.length, falseAccepts };
}

describe("GalleryIndex with a coarse partition", () => {
  const { faces, centres, gallery } = faceGallery(31, 10_000); // 20,000 templates: the smallest partitioned gallery
  const exact = indexOf(gallery, false);
  const partitioned = indexOf(gallery, DEFAULTS);
  const lists = partitioned.buildPartition();
  // Genuine: new captures of enrolled identities, and noisy copies of enrolled templates.
  const genuine = [
    ...Array.from({ length: 200 }, (_, i) => faces.probe(centres[(i * 17) % centres.length]!)),
    ...Array.from({ length: 100 }, (_, i) => faces.probe(gallery[(i * 131) % gallery.length]!.vector)),
  ];
  const impostors = Array.from({ length: 300 }, () => faces.probe(faces.identity()));

  it("makes the same door decisions as an exhaustive search for genuine and impostor probes", () => {
    expect(lists).toBe(141);
    expect(partitioned.partitionLists).toBe(141);
    expect(exact.partitionLists).toBe(0);
    const g = agreement(exact, partitioned, genuine);
    const i = agreement(exact, partitioned, impostors);
    expect(g.share).toBeGreaterThanOrEqual(0.99);
    expect(i.share).toBeGreaterThanOrEqual(0.99);
    expect(g.falseAccepts + i.falseAccepts).toBe(0);
    // The genuine probes are mostly accepted, the impostors mostly not: the agreement is not the trivial "all shut".
    expect(genuine.filter((q) => decision(exact.search(q, 1)) !== null).length).toBeGreaterThan(250);
    expect(impostors.filter((q) => decision(exact.search(q, 1)) !== null).length).toBeLessThan(10);
  });

  it("returns the re-ranked 12-bit scores of the exhaustive search for what it finds", () => {
    for (const q of genuine.slice(0, 50)) {
      const p = partitioned.search(q, 1)[0]!;
      const e = exact.search(q, 5).find((h) => h.templateId === p.templateId);
      if (e) expect(p.score).toBe(e.score);
      // The subject's best template may lie in a list that was not probed: never above it.
      expect(p.score).toBeLessThanOrEqual(partitioned.scoreSubject(p.subjectId, q)!);
    }
  });

  it("scans only part of the gallery: with one list probed it misses genuine matches (the agreement above is earned)", () => {
    const narrow = indexOf(gallery, { nprobe: 1, random: mulberry32(77) });
    narrow.buildPartition();
    expect(agreement(exact, narrow, genuine).share).toBeLessThan(0.97);
  });

  it("is deterministic for a seeded random source", () => {
    const again = indexOf(gallery, { random: mulberry32(77) });
    again.buildPartition();
    expect(again.partitionLongestList()).toBe(partitioned.partitionLongestList());
    for (const q of [...genuine.slice(0, 40), ...impostors.slice(0, 40)]) expect(again.search(q, 3)).toEqual(partitioned.search(q, 3));
  });

  it("stays exhaustive below minTemplates and builds nothing on search", () => {
    const small = indexOf(gallery.slice(0, 19_999), DEFAULTS);
    expect(small.partitionStep()).toBe(false);
    expect(small.buildPartition()).toBe(0);
    small.search(genuine[0]!, 1);
    expect(small.partitionLists).toBe(0);
    const unbuilt = indexOf(gallery, DEFAULTS);
    unbuilt.search(genuine[0]!, 1);
    expect(unbuilt.partitionLists).toBe(0);
  });
});

describe("GalleryIndex partition under enrolment and deletion", () => {
  it("finds an added template at once and never returns a removed one, whose codes are overwritten", () => {
    const { faces, gallery } = faceGallery(32, 1500); // 3,000 templates, three storage segments
    const store = new CodeStore();
    const index = indexOf(gallery, { minTemplates: 1000, nprobe: 4, random: mulberry32(5) }, store);
    expect(index.buildPartition()).toBe(55);
    const removed = ["subject-0", "subject-700", "subject-1499"];
    const removedVectors = gallery.filter((e) => removed.includes(e.subjectId));
    for (const id of removed) index.remove(id);
    expect(index.size).toBe(gallery.length - 6);
    for (const e of removedVectors) expect(index.search(e.vector, 20).map((h) => h.subjectId)).not.toContain(e.subjectId);
    const raw = store.rawBytes();
    for (const e of removedVectors) {
      const unit = new Float64Array(512);
      normalizeInto(e.vector, unit, "embedding");
      const coarse = new Uint8Array(COARSE_BYTES);
      const fine = new Uint8Array(FINE_BYTES);
      encodeTemplate(unit, coarse, 0, fine, 0);
      for (const bytes of raw) {
        const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        expect(buf.indexOf(Buffer.from(coarse))).toBe(-1);
        expect(buf.indexOf(Buffer.from(fine))).toBe(-1);
      }
    }
    // Every slot past the live ones is zero (the spare slot of the reordering included).
    expect(raw[raw.length - 1]!.subarray((index.size % 1024) * FINE_BYTES).every((b) => b === 0)).toBe(true);

    // Added after the build: found at once, by itself and by a new capture.
    const centre = faces.identity();
    const added = faces.template(centre);
    index.add("newcomer", "t0", added);
    expect(index.search(added, 1)[0]).toMatchObject({ subjectId: "newcomer", templateId: "t0" });
    expect(decision(index.search(faces.probe(centre), 1))).toBe("newcomer");
    // Every remaining template is still found by its own vector (the lists were kept in order).
    for (const e of gallery.filter((g) => !removed.includes(g.subjectId))) expect(index.search(e.vector, 1)[0]!.templateId).toBe(e.templateId);
  });

  it("keeps identifiers consistent through add / remove / replace sequences", () => {
    const random = mulberry32(6);
    const index = new GalleryIndex({ partition: { minTemplates: 40, nprobe: 3, random: mulberry32(1) } });
    const model = new Map<string, Map<string, Float32Array>>();
    const add = (subjectId: string, templateId: string, v: Float32Array) => {
      index.add(subjectId, templateId, v);
      if (!model.has(subjectId)) model.set(subjectId, new Map());
      model.get(subjectId)!.set(templateId, v);
    };
    for (let i = 0; i < 120; i++) add(`s${i % 60}`, `t${i}`, randomUnitVector(random));
    expect(index.buildPartition()).toBe(11);
    for (let step = 0; step < 800; step++) {
      const subjectId = `s${Math.floor(random() * 80)}`;
      if (random() < 0.25) {
        index.remove(subjectId);
        model.delete(subjectId);
      } else {
        // Often the same ids again: a replacement that may change lists.
        add(subjectId, `t${Math.floor(random() * 4)}`, randomUnitVector(random));
      }
    }
    expect(index.partitionLists).toBe(11); // still partitioned: never below half of minTemplates
    expect(index.size).toBe([...model.values()].reduce((n, m) => n + m.size, 0));
    expect(index.subjectCount).toBe(model.size);
    for (const [subjectId, byTemplate] of model) {
      for (const [templateId, v] of byTemplate) expect(index.search(v, 1)[0]).toMatchObject({ subjectId, templateId });
    }
  });

  it("drops the partition when the gallery falls below half of minTemplates", () => {
    const { gallery } = faceGallery(33, 600);
    const index = indexOf(gallery, { minTemplates: 1000, random: mulberry32(2) });
    expect(index.buildPartition()).toBe(35);
    for (let s = 0; s < 340; s++) index.remove(`subject-${s}`);
    expect(index.partitionLists).toBe(35); // 520 templates left
    for (let s = 340; s < 360; s++) index.remove(`subject-${s}`);
    expect(index.partitionLists).toBe(0); // 480: below 500
    for (const e of gallery.slice(720, 800)) expect(index.search(e.vector, 1)[0]!.templateId).toBe(e.templateId);
  });

  it("builds in bounded steps while templates are added, replaced and removed, and the gallery is searched", () => {
    const { faces, gallery } = faceGallery(34, 1500);
    const index = indexOf(gallery.slice(0, 2000), { minTemplates: 1000, nprobe: 4, random: mulberry32(3) });
    const live = new Map(gallery.slice(0, 2000).map((e) => [e.templateId, e]));
    let steps = 0;
    let next = 2000;
    const random = mulberry32(4);
    while (index.partitionStep(50)) {
      steps++;
      expect(index.partitionLists).toBe(0); // exhaustive until the build is complete
      if (steps % 3 === 0 && next < gallery.length) {
        const e = gallery[next++]!;
        index.add(e.subjectId, e.templateId, e.vector);
        live.set(e.templateId, e);
      }
      if (steps % 5 === 0) {
        const victim = [...live.values()][Math.floor(random() * live.size)]!;
        index.remove(victim.subjectId);
        for (const [id, e] of live) if (e.subjectId === victim.subjectId) live.delete(id);
      }
      if (steps % 7 === 0) {
        const e = [...live.values()][Math.floor(random() * live.size)]!;
        const replacement = { ...e, vector: faces.template(faces.identity()) };
        index.add(e.subjectId, e.templateId, replacement.vector);
        live.set(e.templateId, replacement);
      }
      const probe = [...live.values()][steps % live.size]!;
      expect(index.search(probe.vector, 1)[0]!.templateId).toBe(probe.templateId);
    }
    // Training (8 passes over a 16-per-list sample) plus the assignment, 50 vectors a step.
    expect(steps).toBeGreaterThan(100);
    expect(index.partitionLists).toBeGreaterThan(0);
    expect(index.size).toBe(live.size);
    for (const e of live.values()) expect(index.search(e.vector, 1)[0]!.templateId).toBe(e.templateId);
    expect(index.partitionStep()).toBe(false); // nothing more to do
  });

  it("forgets the partition and its centroids on clear", () => {
    const { gallery } = faceGallery(35, 600);
    const index = indexOf(gallery, { minTemplates: 1000, random: mulberry32(2) });
    index.buildPartition();
    const withPartition = index.memoryBytes();
    index.clear();
    expect(index.partitionLists).toBe(0);
    expect(index.memoryBytes()).toBeLessThan(withPartition);
    expect(index.search(gallery[0]!.vector, 1)).toEqual([]);
  });

  it("refuses a bad partition option or step budget with a MatcherError code", () => {
    expect(() => new GalleryIndex({ partition: { nprobe: 0 } })).toThrow(expect.objectContaining({ code: "matcher_argument_invalid" }));
    expect(() => new GalleryIndex({ partition: { lists: 1.5 } })).toThrow(expect.objectContaining({ code: "matcher_argument_invalid" }));
    expect(() => new GalleryIndex().partitionStep(0)).toThrow(expect.objectContaining({ code: "matcher_argument_invalid" }));
  });
});

describe("GalleryIndex partition reordering in steps", () => {
  it("finds every template between the steps of the reordering (one may be parked in the spare slot)", () => {
    const { gallery } = faceGallery(36, 550); // 1,100 templates
    const store = new CodeStore();
    const index = indexOf(gallery, { minTemplates: 1000, nprobe: 3, random: mulberry32(8) }, store);
    const states = new Set<string>();
    let reorderSteps = 0;
    while (index.partitionStep(8)) {
      states.add(index.partitionState);
      if (index.partitionState !== "reordering") continue;
      reorderSteps++;
      expect(index.size).toBe(gallery.length);
      for (const e of gallery) expect(index.search(e.vector, 1)[0]!.templateId).toBe(e.templateId);
    }
    expect([...states]).toEqual(["building", "reordering"]);
    expect(reorderSteps).toBeGreaterThanOrEqual(3); // 128 moves a step over ~1,100 slots
    expect(index.partitionState).toBe("partitioned");
    for (const e of gallery) expect(index.search(e.vector, 1)[0]!.templateId).toBe(e.templateId);
    // The spare slot is zero again once the reordering is over.
    const fine = store.rawBytes()[2]!;
    expect(fine.subarray((index.size % 1024) * 512).every((b) => b === 0)).toBe(true);
  });

  it("finishes a reordering before a removal or an addition changes the slots", () => {
    const { faces, gallery } = faceGallery(37, 550);
    const index = indexOf(gallery, { minTemplates: 1000, nprobe: 3, random: mulberry32(9) });
    while (index.partitionState !== "reordering") index.partitionStep(64);
    index.partitionStep(1); // part-way
    index.remove("subject-3");
    expect(index.partitionState).toBe("partitioned");
    const v = faces.template(faces.identity());
    index.add("late", "t", v);
    expect(index.search(v, 1)[0]!.subjectId).toBe("late");
    for (const e of gallery.filter((g) => g.subjectId !== "subject-3")) expect(index.search(e.vector, 1)[0]!.templateId).toBe(e.templateId);
    expect(index.search(gallery[6]!.vector, 10).map((h) => h.subjectId)).not.toContain("subject-3");
  });
});

describe("GalleryIndex partition with confirmBelow", () => {
  it("checks a shut decision against every template, so no door stays shut that an exhaustive search opens", () => {
    // Isotropic identities (no structure for k-means) and few lists probed: the hard case.
    const random = mulberry32(61);
    const noisy = (x: Float32Array, noise: number) => {
      const d = randomUnitVector(random);
      return Float32Array.from(x, (v, i) => v + noise * d[i]!);
    };
    const centres = Array.from({ length: 2000 }, () => randomUnitVector(random));
    const gallery: Enrolled[] = centres.flatMap((c, s) => [0, 1].map((t) => ({ subjectId: `s${s}`, templateId: `t${s}-${t}`, vector: noisy(c, 0.75) })));
    const options = { minTemplates: 1000, nprobe: 3 };
    const exact = indexOf(gallery, false);
    const fast = indexOf(gallery, { ...options, random: mulberry32(62) });
    const confirmed = indexOf(gallery, { ...options, random: mulberry32(62), confirmBelow: DEFAULT_MATCH_THRESHOLD });
    fast.buildPartition();
    confirmed.buildPartition();
    const genuine = Array.from({ length: 150 }, (_, i) => noisy(centres[i * 13]!, 0.9));
    const impostors = Array.from({ length: 50 }, () => randomUnitVector(random));
    const fastAgreement = agreement(exact, fast, genuine);
    expect(fastAgreement.share).toBeLessThan(0.95); // the partition alone misses residents here
    const confirmedGenuine = agreement(exact, confirmed, genuine);
    const confirmedImpostors = agreement(exact, confirmed, impostors);
    expect(confirmedGenuine).toEqual({ share: 1, falseAccepts: 0 });
    expect(confirmedImpostors).toEqual({ share: 1, falseAccepts: 0 });
    // A resident the lists do find is answered from them: the same hit as without confirmBelow.
    for (const q of genuine.slice(0, 30)) {
      const f = fast.search(q, 1)[0]!;
      if (f.score >= DEFAULT_MATCH_THRESHOLD) expect(confirmed.search(q, 1)[0]).toEqual(f);
    }
    expect(() => new GalleryIndex({ partition: { confirmBelow: 2 } })).toThrow(expect.objectContaining({ code: "matcher_argument_invalid" }));
  });
});
