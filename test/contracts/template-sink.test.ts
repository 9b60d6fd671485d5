/**
 * The TemplateSink suite over the gallery index the vault feeds on a device (both scan
 * kernels) and the sinks of the tests: the secure-store fixtures' RecordingSink and
 * CallLog, and the gate tests' InMemoryGallery.
 */
import { CodeStore } from "../../sdk/matcher/code-store.js";
import { GalleryIndex } from "../../sdk/matcher/gallery-index.js";
import { COARSE_BYTES, FINE_BYTES, encodeTemplate, normalizeInto } from "../../sdk/matcher/template-codes.js";
import { InMemoryGallery } from "../support/port-fakes.js";
import { CallLog, RecordingSink } from "../support/secure-store-fixture.js";
import { exactCosine } from "./face-ports-fixture.js";
import { templateSinkContract } from "./template-sink-contract.js";

/** Whether the index's memory holds the codes of this template (as test/sdk/matcher does it). */
function codesIn(store: CodeStore, embedding: Float32Array): boolean {
  const unit = new Float64Array(512);
  normalizeInto(embedding, unit, "embedding");
  const coarse = new Uint8Array(COARSE_BYTES);
  const fine = new Uint8Array(FINE_BYTES);
  encodeTemplate(unit, coarse, 0, fine, 0);
  return store.rawBytes().some((bytes) => {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return b.indexOf(Buffer.from(coarse)) >= 0 || b.indexOf(Buffer.from(fine)) >= 0;
  });
}

for (const kernel of ["auto", "js"] as const) {
  templateSinkContract({
    name: `GalleryIndex (${kernel} kernel)`,
    create: async () => {
      const store = new CodeStore({ kernel });
      const index = new GalleryIndex({ store });
      return { sink: index, count: () => index.size, best: (s, q) => index.scoreSubject(s, q), holds: (e) => codesIn(store, e), close() {} };
    },
  });
}

function bestOf(sink: RecordingSink, subjectId: string, query: Float32Array): number | null {
  const held = [...(sink.templates.get(subjectId)?.values() ?? [])];
  return held.length === 0 ? null : Math.max(...held.map((t) => exactCosine(t, query)));
}

for (const [name, make] of [
  ["RecordingSink (test/support/secure-store-fixture.ts)", () => new RecordingSink()],
  ["CallLog (test/support/secure-store-fixture.ts)", () => new CallLog()],
] as const) {
  templateSinkContract({
    name,
    create: async () => {
      const sink = make();
      return { sink, count: () => sink.count(), best: (s, q) => bestOf(sink, s, q), holds: (e) => sink.holds(e), close() {} };
    },
  });
}

templateSinkContract({
  name: "InMemoryGallery (test/support/port-fakes.ts)",
  create: async () => {
    const gallery = new InMemoryGallery();
    return { sink: gallery, count: () => gallery.size(), best: (s, q) => gallery.scoreSubject(s, q), holds: (e) => gallery.holds(e), close() {} };
  },
});
