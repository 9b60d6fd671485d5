/**
 * Adapts the gallery index to the gate's FaceMatcher port, and enforces consent scope at
 * match time (L1): the index holds only subjects with a template and a live consent, but
 * a consent names the gates it covers, so a hit is passed on only if its consent is
 * valid now for this gate.
 */
import type { ConsentRegistry } from "../../sdk/consent/consent-registry.js";
import type { FaceCandidate, FaceMatcher } from "../../sdk/gate/ports.js";
import type { GalleryIndex } from "../../sdk/matcher/gallery-index.js";
import type { Clock } from "../../sdk/time/clock.js";

export interface GalleryMatcherOptions {
  index: GalleryIndex;
  consents: ConsentRegistry;
  gateId: string;
  clock: Clock;
}

export class GalleryMatcher implements FaceMatcher {
  constructor(private readonly o: GalleryMatcherOptions) {}

  private consented(subjectId: string): boolean {
    return this.o.consents.validConsent({ subjectId, gateId: this.o.gateId, at: this.o.clock.now() }) !== undefined;
  }

  search(embedding: Float32Array, k: number): FaceCandidate[] {
    return this.o.index
      .search(embedding, k)
      .filter((hit) => this.consented(hit.subjectId))
      .map((hit) => ({ personRef: hit.subjectId, templateId: hit.templateId, score: hit.score }));
  }

  /** Every template a 1:N search compares with (consent is checked on the hits). */
  templates(): number {
    return this.o.index.size;
  }

  verify(personRef: string, embedding: Float32Array): number | null {
    if (!this.consented(personRef)) return null;
    return this.o.index.scoreSubject(personRef, embedding);
  }
}
