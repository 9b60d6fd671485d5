/**
 * In-memory stand-ins for the gate's face and privacy ports (sdk/gate/ports.ts), for unit
 * tests of the gate orchestrator (test/sdk/gate), whose internals a test can inspect.
 * They pass the same contract suites as the shipped implementations (test/contracts):
 *
 * - InMemoryGallery is a TemplateSink, like sdk/matcher's GalleryIndex: templates per
 *   person, searched by exact cosine, each person once with their best template.
 * - InMemoryPrivacyDesk keeps consents and enrolls into its gallery, with the rules of
 *   device/runtime/privacy-desk.ts over the secure store: a consent is scoped to the
 *   site's gates and valid from when it was given until it expires; enrollment needs a
 *   consent valid now for the enrolling gate; withdrawal and deletion both end the
 *   consent and destroy every template; receipts carry the clock's time.
 * - `desk.matcher(gateId)` is the gallery as one gate sees it: consenting people only,
 *   checked at the time of each search (device/runtime/gallery-matcher.ts).
 * - SpyMatcher, ScriptedAnalyzer and OneFaceAnalyzer are scripted or spying stand-ins
 *   for the orchestrator's failure modes and wiping checks.
 */
import { createHash } from "node:crypto";
import { ConsentError, FacegateError } from "../../sdk/errors.js";
import type {
  ConsentSummary,
  DeletionReceiptSummary,
  EnrollmentSummary,
  FaceAnalysis,
  FaceAnalyzer,
  FaceCandidate,
  FaceMatcher,
  GateConsentDetails,
  PrivacyDesk,
  ProcessingNotice,
} from "../../sdk/gate/ports.js";
import type { TemplateSink } from "../../sdk/matcher/template-sink.js";
import type { Clock } from "../../sdk/time/clock.js";
import { MAX_TEMPLATES_PER_SUBJECT } from "../../sdk/vault/template-vault.js";
import { normalizedCopy } from "../../sdk/vault/template-codec.js";

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export interface GalleryHit {
  subjectId: string;
  templateId: string;
  score: number;
}

/** Templates per person in memory, unit length, searched by exact cosine. */
export class InMemoryGallery implements TemplateSink {
  private readonly templates = new Map<string, Map<string, Float32Array>>();
  /** Every vector it has held, so a test can see that removed ones were overwritten. */
  private readonly held: Float32Array[] = [];

  add(subjectId: string, templateId: string, embedding: Float32Array): void {
    const copy = normalizedCopy(embedding);
    this.held.push(copy);
    let list = this.templates.get(subjectId);
    if (!list) this.templates.set(subjectId, (list = new Map()));
    list.get(templateId)?.fill(0);
    list.set(templateId, copy);
  }

  remove(subjectId: string): void {
    for (const t of this.templates.get(subjectId)?.values() ?? []) t.fill(0);
    this.templates.delete(subjectId);
  }

  size(): number {
    return [...this.templates.values()].reduce((n, l) => n + l.size, 0);
  }

  templatesOf(subjectId: string): number {
    return this.templates.get(subjectId)?.size ?? 0;
  }

  /** Whether any vector it has held still equals this one (normalised): a removed template must not. */
  holds(embedding: Float32Array): boolean {
    const unit = normalizedCopy(embedding);
    return this.held.some((v) => v.every((x, i) => x === unit[i]));
  }

  /** The best `k` people, best first, each with their best template. */
  search(query: Float32Array, k: number): GalleryHit[] {
    const unit = normalizedCopy(query);
    const hits: GalleryHit[] = [];
    for (const subjectId of this.templates.keys()) {
      const best = this.best(subjectId, unit);
      if (best) hits.push(best);
    }
    unit.fill(0);
    return hits.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** The best score against one person's templates; null when they have none. */
  scoreSubject(subjectId: string, query: Float32Array): number | null {
    const unit = normalizedCopy(query);
    const best = this.best(subjectId, unit);
    unit.fill(0);
    return best ? best.score : null;
  }

  private best(subjectId: string, unit: Float32Array): GalleryHit | null {
    let best: GalleryHit | null = null;
    for (const [templateId, t] of this.templates.get(subjectId) ?? []) {
      const score = cosine(unit, t);
      if (!best || score > best.score) best = { subjectId, templateId, score };
    }
    return best;
  }
}

export const NOTICE_TEXT =
  "Face recognition at the doors of this building, for entry verification only. Templates are encrypted on the door terminal, never images. Kept until you withdraw or for 12 months. Contact: property office. You may read, withdraw and delete at the gate.";

export const TEST_NOTICE: ProcessingNotice = { version: "v1", hash: createHash("sha256").update(NOTICE_TEXT).digest("hex"), text: NOTICE_TEXT };

export const YEAR_MS = 365 * 24 * 3600_000;

export interface InMemoryPrivacyDeskOptions {
  clock: Clock;
  /**
   * The site's gates: a consent given at the gate covers them all, as StorePrivacyDesk
   * gives it on a configured site. Default: only the gate it was given at.
   */
  gateIds?: readonly string[];
  /** The term of a consent given at the gate (L9); default 365 days. */
  termMs?: number;
  /** Minors cannot consent at the gate (L10). */
  isMinor?: (personRef: string) => boolean;
  /** The current processing notice; null: none has been published yet. Default TEST_NOTICE. */
  notice?: ProcessingNotice | null;
}

interface HeldConsent {
  consentId: string;
  givenAt: number;
  expiresAt: number;
  gateIds: readonly string[];
}

/** Consent registry + vault + deletion in memory, with the obligations of the PrivacyDesk port. */
export class InMemoryPrivacyDesk implements PrivacyDesk {
  readonly gallery = new InMemoryGallery();
  readonly notice: ProcessingNotice | null;
  private readonly consents = new Map<string, HeldConsent>();
  private n = 0;

  constructor(private readonly options: InMemoryPrivacyDeskOptions) {
    this.notice = options.notice === undefined ? TEST_NOTICE : options.notice;
  }

  currentNotice(): ProcessingNotice {
    if (!this.notice) throw new ConsentError("notice_missing", "no processing notice has been published on this device");
    return this.notice;
  }

  hasValidConsent(personRef: string, gateId: string, at: number): boolean {
    const c = this.consents.get(personRef);
    return c !== undefined && c.givenAt <= at && at < c.expiresAt && c.gateIds.includes(gateId);
  }

  giveConsent(personRef: string, details: GateConsentDetails): ConsentSummary {
    if (!this.notice || details.noticeHash !== this.notice.hash) throw new ConsentError("notice_not_current", "consent must reference the current notice");
    if (this.options.isMinor?.(personRef)) throw new ConsentError("consent_guardian_required", "a guardian must give consent for a child under 14");
    const gateIds = this.options.gateIds && this.options.gateIds.length > 0 ? [...this.options.gateIds] : [details.gateId];
    const consent = { consentId: `c-${++this.n}`, givenAt: details.at, expiresAt: details.at + (this.options.termMs ?? YEAR_MS), gateIds };
    this.consents.set(personRef, consent);
    return { consentId: consent.consentId, expiresAt: consent.expiresAt };
  }

  enrollFromEmbedding(personRef: string, embedding: Float32Array, gateId: string): EnrollmentSummary {
    if (!this.hasValidConsent(personRef, gateId, this.options.clock.now())) throw new ConsentError("consent_missing", "no valid face consent for this person at this gate (L1)");
    const copy = normalizedCopy(embedding);
    try {
      if (this.gallery.templatesOf(personRef) >= MAX_TEMPLATES_PER_SUBJECT) throw new FacegateError("template_limit", `a subject may hold at most ${MAX_TEMPLATES_PER_SUBJECT} templates`);
      const templateId = `t-${++this.n}`;
      this.gallery.add(personRef, templateId, copy);
      return { templateId };
    } finally {
      copy.fill(0);
    }
  }

  withdrawConsent(personRef: string): DeletionReceiptSummary {
    return this.endAndDelete(personRef, "consent_withdrawn");
  }

  deleteTemplates(personRef: string): DeletionReceiptSummary {
    return this.endAndDelete(personRef, "deletion_request");
  }

  /** The gallery as gate `gateId` sees it: consenting people only. */
  matcher(gateId: string): FaceMatcher {
    const consented = (personRef: string) => this.hasValidConsent(personRef, gateId, this.options.clock.now());
    return {
      search: (embedding, k) =>
        this.gallery
          .search(embedding, k)
          .filter((hit) => consented(hit.subjectId))
          .map((hit): FaceCandidate => ({ personRef: hit.subjectId, templateId: hit.templateId, score: hit.score })),
      verify: (personRef, embedding) => (consented(personRef) ? this.gallery.scoreSubject(personRef, embedding) : null),
      templates: () => this.gallery.size(),
    };
  }

  /** The one deletion path: the consent ends and every template goes, together (L7). */
  private endAndDelete(personRef: string, reason: DeletionReceiptSummary["reason"]): DeletionReceiptSummary {
    this.consents.delete(personRef);
    const templatesDeleted = this.gallery.templatesOf(personRef);
    this.gallery.remove(personRef);
    const receiptId = `r-${++this.n}`;
    return { receiptId, personRef, issuedAt: this.options.clock.now(), reason, templatesDeleted, verificationCode: createHash("sha256").update(receiptId).digest("hex").slice(0, 16) };
  }
}

/** Counts searches and keeps the embeddings it was lent, to check the gate wiped them. */
export class SpyMatcher implements FaceMatcher {
  searches = 0;
  seen: Float32Array[] = [];
  constructor(private readonly inner: FaceMatcher) {}
  search(embedding: Float32Array, k: number): ReturnType<FaceMatcher["search"]> {
    this.searches++;
    this.seen.push(embedding);
    return this.inner.search(embedding, k);
  }
  verify(personRef: string, embedding: Float32Array): ReturnType<FaceMatcher["verify"]> {
    return this.inner.verify(personRef, embedding);
  }
  templates(): number {
    return this.inner.templates?.() ?? 0;
  }
}

export function unitVector(seed: number): Float32Array {
  const v = new Float32Array(512);
  v[seed % 512] = 1;
  return v;
}

/** Returns two faces (the one at the door first) with the given properties, or none, or throws, or never answers. */
export class ScriptedAnalyzer implements FaceAnalyzer {
  calls = 0;
  issued: Float32Array[] = [];
  mode: "face" | "none" | "throw" | "hang" = "face";
  liveness = 0.95;
  vector = unitVector(1);
  /** Where the face at the door is in the frame; undefined: no box reported. */
  box: { x: number; y: number; width: number; height: number } | undefined = undefined;
  analyze(): Promise<FaceAnalysis> | FaceAnalysis {
    this.calls++;
    if (this.mode === "throw") throw new Error("onnx session failed");
    if (this.mode === "hang") return new Promise(() => {});
    if (this.mode === "none") return { faces: [], primaryIndex: null };
    const embedding = Float32Array.from(this.vector);
    const other = unitVector(99);
    this.issued.push(embedding, other);
    return {
      faces: [
        { score: 0.9, liveness: this.liveness, embedding, quality: { ok: true, reasons: [] }, ...(this.box ? { box: { ...this.box } } : {}) },
        { score: 0.8, liveness: 0.9, embedding: other, quality: { ok: true, reasons: [] } },
      ],
      primaryIndex: 0,
    };
  }
}

/** One face at the door (or nobody), live or not, or a failure; keeps what it handed out so a test can check it was wiped. */
export class OneFaceAnalyzer implements FaceAnalyzer {
  liveness = 0.95;
  present = true;
  failing = false;
  readonly handedOut: Float32Array[] = [];
  analyze(): FaceAnalysis {
    if (this.failing) throw new Error("face analysis failed");
    if (!this.present) return { faces: [], primaryIndex: null };
    const embedding = new Float32Array(512);
    embedding[7] = 1;
    this.handedOut.push(embedding);
    return { faces: [{ score: 0.9, liveness: this.liveness, embedding, quality: { ok: true, reasons: [] } }], primaryIndex: 0 };
  }
}
