import { describe, expect, it } from "vitest";
import { CodeStore } from "../../../sdk/matcher/code-store.js";
import { GalleryIndex, SCORE_TOLERANCE } from "../../../sdk/matcher/gallery-index.js";
import { MatcherError } from "../../../sdk/matcher/matcher-error.js";
import { mulberry32, randomUnitVector, SyntheticFaces } from "../../../sdk/matcher/synthetic-embeddings.js";
import { COARSE_BYTES, encodeTemplate, FINE_BYTES, normalizeInto } from "../../../sdk/matcher/template-codes.js";
import { type Enrolled, dot, exactTop1 } from "./exact-search.js";

function faceGallery(seed: number, subjects: number, perSubject: number) {
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

function indexOf(gallery: readonly Enrolled[], options: ConstructorParameters<typeof GalleryIndex>[0] = {}): GalleryIndex {
  const index = new GalleryIndex(options);
  for (const e of gallery) index.add(e.subjectId, e.templateId, e.vector);
  return index;
}

describe("GalleryIndex", () => {
  for (const kernel of ["wasm-simd", "js"] as const) {
    it(`returns the same top-1 as an exact float search on thousands of templates (${kernel} kernel)`, () => {
      const { faces, centres, gallery } = faceGallery(11, 2000, 2);
      const index = indexOf(gallery, { kernel });
      expect(index.kernelName).toBe(kernel);
      const queries: Float32Array[] = [];
      for (let i = 0; i < 150; i++) queries.push(faces.probe(centres[(i * 13) % centres.length]!)); // genuine
      for (let i = 0; i < 150; i++) queries.push(faces.probe(faces.identity())); // not enrolled
      let agree = 0;
      for (const q of queries) {
        const top = index.search(q, 1)[0]!;
        const exact = exactTop1(gallery, q);
        if (top.subjectId === exact.subjectId) agree++;
      }
      // At N = 4,000 the best two impostor scores are rarely within the ~2e-5 error; the
      // 100,000-template figure (>= 99.9% on a 50/50 mix) comes from the bench.
      expect(agree).toBe(queries.length);
    });
  }

  it("returns scores within SCORE_TOLERANCE of the exact cosine", () => {
    const { faces, centres, gallery } = faceGallery(12, 1000, 1);
    const index = indexOf(gallery);
    const byTemplate = new Map(gallery.map((e) => [e.templateId, e.vector]));
    let worst = 0;
    for (let i = 0; i < 100; i++) {
      const q = i % 2 === 0 ? faces.probe(centres[i]!) : faces.probe(faces.identity());
      for (const hit of index.search(q, 10)) worst = Math.max(worst, Math.abs(hit.score - dot(q, byTemplate.get(hit.templateId)!)));
    }
    expect(worst).toBeLessThan(SCORE_TOLERANCE);
    expect(worst).toBeLessThan(1.5e-4); // what face-like vectors actually show (sigma ~2e-5)
  });

  it("finds an enrolled vector itself with a score of ~1", () => {
    const random = mulberry32(3);
    const gallery = Array.from({ length: 500 }, (_, i) => ({ subjectId: `s${i}`, templateId: `t${i}`, vector: randomUnitVector(random) }));
    const index = indexOf(gallery);
    for (const e of gallery.slice(0, 50)) {
      const [top] = index.search(e.vector, 1);
      expect(top).toMatchObject({ subjectId: e.subjectId, templateId: e.templateId });
      expect(top!.score).toBeCloseTo(1, 3);
    }
  });

  it("never returns a removed subject, and overwrites its codes in memory before remove returns", () => {
    const { gallery } = faceGallery(13, 1500, 2); // 3,000 templates: three storage segments
    const store = new CodeStore();
    const index = indexOf(gallery, { store });
    const removed = ["subject-0", "subject-700", "subject-1499"];
    const removedVectors = gallery.filter((e) => removed.includes(e.subjectId));
    for (const id of removed) index.remove(id);

    expect(index.size).toBe(gallery.length - 6);
    expect(index.subjectCount).toBe(1497);
    for (const e of removedVectors) {
      const hits = index.search(e.vector, 20);
      expect(hits.map((h) => h.subjectId)).not.toContain(e.subjectId);
    }
    // The removed templates' exact byte patterns (coarse and fine codes) are nowhere in the
    // store's memory, and every slot past the live ones is zero.
    const raw = store.rawBytes();
    for (const e of removedVectors) {
      const unit = new Float64Array(512);
      normalizeInto(e.vector, unit, "embedding");
      const coarse = new Uint8Array(COARSE_BYTES);
      const fine = new Uint8Array(FINE_BYTES);
      encodeTemplate(unit, coarse, 0, fine, 0);
      for (const bytes of raw) {
        expect(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(Buffer.from(coarse))).toBe(-1);
        expect(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(Buffer.from(fine))).toBe(-1);
      }
    }
    const fineTail = raw[raw.length - 1]!.subarray((index.size % 1024) * FINE_BYTES);
    expect(fineTail.every((b) => b === 0)).toBe(true);
  });

  it("keeps identifiers consistent through add / remove / re-add sequences", () => {
    const random = mulberry32(5);
    const index = new GalleryIndex();
    const model = new Map<string, Map<string, Float32Array>>();
    for (let step = 0; step < 600; step++) {
      const subjectId = `s${Math.floor(random() * 40)}`;
      if (random() < 0.3) {
        index.remove(subjectId);
        model.delete(subjectId);
      } else {
        const templateId = `t${Math.floor(random() * 4)}`;
        const v = randomUnitVector(random);
        index.add(subjectId, templateId, v);
        if (!model.has(subjectId)) model.set(subjectId, new Map());
        model.get(subjectId)!.set(templateId, v);
      }
    }
    const templates = [...model.values()].reduce((n, m) => n + m.size, 0);
    expect(index.size).toBe(templates);
    expect(index.subjectCount).toBe(model.size);
    for (const [subjectId, byTemplate] of model) {
      expect(index.has(subjectId)).toBe(true);
      for (const [templateId, v] of byTemplate) {
        expect(index.search(v, 1)[0]).toMatchObject({ subjectId, templateId });
      }
    }
  });

  it("returns each subject once, with its best template", () => {
    const random = mulberry32(8);
    const faces = new SyntheticFaces(random);
    const index = new GalleryIndex();
    const centre = faces.identity();
    const near = faces.template(centre);
    index.add("alice", "far", faces.template(centre));
    index.add("alice", "near", near);
    index.add("alice", "other", faces.template(centre));
    for (let i = 0; i < 20; i++) index.add(`other-${i}`, "t", faces.template(faces.identity()));
    const hits = index.search(near, 5);
    expect(hits).toHaveLength(5);
    expect(hits[0]).toMatchObject({ subjectId: "alice", templateId: "near" });
    expect(new Set(hits.map((h) => h.subjectId)).size).toBe(5);
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
  });

  it("scores a query against one subject's best template (1:1), null for an unknown subject", () => {
    const faces = new SyntheticFaces(mulberry32(16));
    const index = new GalleryIndex();
    const centre = faces.identity();
    const templates = [faces.template(centre), faces.template(centre)];
    templates.forEach((t, i) => index.add("bob", `t${i}`, t));
    index.add("carol", "t0", faces.template(faces.identity()));
    const probe = faces.probe(centre);
    const exact = Math.max(...templates.map((t) => dot(probe, t)));
    expect(Math.abs(index.scoreSubject("bob", probe)! - exact)).toBeLessThan(SCORE_TOLERANCE);
    expect(index.scoreSubject("bob", probe)).toBe(index.search(probe, 1)[0]!.score);
    expect(index.scoreSubject("nobody", probe)).toBeNull();
    index.remove("bob");
    expect(index.scoreSubject("bob", probe)).toBeNull();
  });

  it("replaces a template added again under the same ids", () => {
    const random = mulberry32(9);
    const index = new GalleryIndex();
    const first = randomUnitVector(random);
    const second = randomUnitVector(random);
    index.add("s", "t", first);
    index.add("s", "t", second);
    expect(index.size).toBe(1);
    expect(index.search(second, 1)[0]!.score).toBeCloseTo(1, 3);
  });

  it("copies and normalises what it is given", () => {
    const random = mulberry32(10);
    const v = randomUnitVector(random);
    const scaled = v.map((x) => x * 3);
    const index = new GalleryIndex();
    index.add("s", "t", scaled);
    scaled.fill(0); // the caller's array is not kept
    expect(index.search(v, 1)[0]!.score).toBeCloseTo(1, 3);
  });

  it("refuses malformed embeddings and arguments with MatcherError codes and no values", () => {
    const index = new GalleryIndex();
    const bad = new Float32Array(512).fill(0.5);
    bad[3] = Number.NaN;
    const attempts: Array<[() => unknown, string]> = [
      [() => index.add("s", "t", new Float32Array(128)), "embedding_invalid"],
      [() => index.add("s", "t", new Float32Array(512)), "embedding_invalid"],
      [() => index.add("s", "t", bad), "embedding_invalid"],
      [() => index.add("", "t", new Float32Array(512).fill(1)), "matcher_argument_invalid"],
      [() => index.search(new Float32Array(512).fill(1), 0), "matcher_argument_invalid"],
      [() => index.search(new Float32Array(3)), "embedding_invalid"],
    ];
    for (const [attempt, code] of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(MatcherError);
      expect((caught as MatcherError).code).toBe(code);
      expect((caught as MatcherError).message).not.toMatch(/0\.5|NaN/);
    }
    expect(index.size).toBe(0);
    expect(index.search(new Float32Array(512).fill(1))).toEqual([]);
  });

  it("clear() empties the index and zeroes every stored byte", () => {
    const { gallery } = faceGallery(14, 300, 1);
    const store = new CodeStore();
    const index = indexOf(gallery, { store });
    index.clear();
    expect(index.size).toBe(0);
    expect(index.subjectCount).toBe(0);
    expect(index.search(gallery[0]!.vector)).toEqual([]);
    for (const bytes of store.rawBytes()) expect(bytes.every((b) => b === 0)).toBe(true);
  });

  it("holds a template in under 800 bytes, growing in segments rather than doubling", () => {
    const { gallery } = faceGallery(15, 5000, 1);
    const index = indexOf(gallery);
    // 256 coarse + 512 fine + 4 scale + 4 score bytes a slot, slots in segments of 1,024.
    expect(index.memoryBytes()).toBeLessThan(800 * 5120);
    expect(index.memoryBytes() / index.size).toBeGreaterThan(768);
  });
});
