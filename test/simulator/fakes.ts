/**
 * In-test stand-ins for components that are NOT available yet (built in parallel by
 * others): the face pipeline (sdk/vision), the gallery index (sdk/matcher) and the
 * consent/vault/deletion desk. They satisfy the ports of sdk/gate/ports.ts and nothing
 * more; tests that use them say so in their names.
 *
 * FixtureFaceAnalyzer does NOT recognise faces: it recognises the fixture files by a hash
 * of their decoded pixels and gives every image of one identity folder nearly the same
 * (random, unit) embedding, strangers unrelated ones. Liveness is 0.95 unless the test
 * marks an image as a spoof.
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ConsentError } from "../../sdk/errors.js";
import type { CameraFrame } from "../../sdk/hal/camera.js";
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
import { decodeToRgbFrame } from "../../simulator/devices/sim-camera.js";

function seededVector(seed: string, dim = 512): Float32Array {
  let h = createHash("sha256").update(seed).digest();
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    if (i % 16 === 0 && i > 0) h = createHash("sha256").update(h).digest();
    const a = h.readUInt16BE((i % 16) * 2) / 65535;
    v[i] = a - 0.5;
  }
  return normalize(v);
}

function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function pixelHash(frame: CameraFrame): string {
  const data = frame instanceof Uint8Array ? frame : frame.data;
  return createHash("sha256").update(data).digest("hex");
}

export class FixtureFaceAnalyzer implements FaceAnalyzer {
  /** Every embedding handed out, so tests can check the gate wiped them. */
  readonly issued: Float32Array[] = [];
  calls = 0;
  /** Labels (e.g. "amy/amy2.png") whose faces are reported as not live. */
  readonly spoofs = new Set<string>();
  private table: Map<string, { label: string; identity: string }> | undefined;

  constructor(private readonly facesDir: string) {}

  private async load(): Promise<Map<string, { label: string; identity: string }>> {
    if (this.table) return this.table;
    const table = new Map<string, { label: string; identity: string }>();
    const ids = join(this.facesDir, "identities");
    for (const identity of readdirSync(ids)) {
      for (const file of readdirSync(join(ids, identity))) {
        table.set(pixelHash(await decodeToRgbFrame(join(ids, identity, file))), { label: `${identity}/${file}`, identity });
      }
    }
    for (const file of readdirSync(join(this.facesDir, "strangers"))) {
      table.set(pixelHash(await decodeToRgbFrame(join(this.facesDir, "strangers", file))), { label: `strangers/${file}`, identity: `stranger:${file}` });
    }
    this.table = table;
    return table;
  }

  async analyze(frame: CameraFrame): Promise<FaceAnalysis> {
    this.calls++;
    if (frame instanceof Uint8Array) throw new Error("fixture analyzer takes raw frames only");
    const hit = (await this.load()).get(pixelHash(frame));
    if (!hit) return { faces: [], primaryIndex: null };
    const base = seededVector(hit.identity);
    const noise = seededVector(`noise:${hit.label}`);
    const embedding = new Float32Array(512);
    for (let i = 0; i < 512; i++) embedding[i] = base[i]! + 0.25 * noise[i]!;
    normalize(embedding);
    this.issued.push(embedding);
    return { faces: [{ score: 0.99, liveness: this.spoofs.has(hit.label) ? 0.05 : 0.95, embedding, quality: { ok: true, reasons: [] } }], primaryIndex: 0 };
  }
}

/** Exact cosine search over copies of enrolled embeddings. */
export class InMemoryGallery implements FaceMatcher {
  private readonly templates = new Map<string, Array<{ templateId: string; embedding: Float32Array }>>();
  private next = 1;

  add(personRef: string, embedding: Float32Array): string {
    const templateId = `t-${this.next++}`;
    const list = this.templates.get(personRef) ?? [];
    list.push({ templateId, embedding: Float32Array.from(embedding) });
    this.templates.set(personRef, list);
    return templateId;
  }

  remove(personRef: string): number {
    const list = this.templates.get(personRef) ?? [];
    for (const t of list) t.embedding.fill(0);
    this.templates.delete(personRef);
    return list.length;
  }

  size(): number {
    return [...this.templates.values()].reduce((n, l) => n + l.length, 0);
  }

  search(embedding: Float32Array, k: number): FaceCandidate[] {
    const all: FaceCandidate[] = [];
    for (const [personRef, list] of this.templates) for (const t of list) all.push({ personRef, templateId: t.templateId, score: cosine(embedding, t.embedding) });
    return all.sort((a, b) => b.score - a.score).slice(0, k);
  }

  verify(personRef: string, embedding: Float32Array): number | null {
    const list = this.templates.get(personRef);
    if (!list || list.length === 0) return null;
    return Math.max(...list.map((t) => cosine(embedding, t.embedding)));
  }
}

export const NOTICE_TEXT =
  "Face recognition at the doors of this building, for entry verification only. Templates are encrypted on the door terminal, never images. Kept until you withdraw or for 12 months. Contact: property office. You may read, withdraw and delete at the gate.";

/** Consent registry + vault + deletion, in memory, with the obligations of the PrivacyDesk port. */
export class InMemoryPrivacyDesk implements PrivacyDesk {
  readonly notice: ProcessingNotice = { version: "v1", hash: createHash("sha256").update(NOTICE_TEXT).digest("hex"), text: NOTICE_TEXT };
  readonly consents = new Map<string, { consentId: string; expiresAt: number; details: GateConsentDetails }>();
  private n = 0;

  constructor(
    readonly gallery: InMemoryGallery,
    private readonly now: () => number = () => 0,
    private readonly termMs = 365 * 24 * 3600_000,
  ) {}

  currentNotice(): ProcessingNotice {
    return this.notice;
  }

  hasValidConsent(personRef: string, _gateId: string, at: number): boolean {
    const c = this.consents.get(personRef);
    return c !== undefined && at < c.expiresAt;
  }

  giveConsent(personRef: string, details: GateConsentDetails): ConsentSummary {
    if (details.noticeHash !== this.notice.hash) throw new ConsentError("consent_notice_outdated", "consent must reference the current notice");
    const consent = { consentId: `c-${++this.n}`, expiresAt: details.at + this.termMs, details };
    this.consents.set(personRef, consent);
    return { consentId: consent.consentId, expiresAt: consent.expiresAt };
  }

  enrollFromEmbedding(personRef: string, embedding: Float32Array): EnrollmentSummary {
    if (!this.consents.has(personRef)) throw new ConsentError("consent_missing", "no valid face consent");
    return { templateId: this.gallery.add(personRef, embedding) };
  }

  withdrawConsent(personRef: string): DeletionReceiptSummary {
    this.consents.delete(personRef);
    return this.receipt(personRef, "consent_withdrawn", this.gallery.remove(personRef));
  }

  deleteTemplates(personRef: string): DeletionReceiptSummary {
    return this.receipt(personRef, "deletion_request", this.gallery.remove(personRef));
  }

  private receipt(personRef: string, reason: DeletionReceiptSummary["reason"], templatesDeleted: number): DeletionReceiptSummary {
    const receiptId = `r-${++this.n}`;
    return { receiptId, personRef, issuedAt: this.now(), reason, templatesDeleted, verificationCode: createHash("sha256").update(receiptId).digest("hex").slice(0, 16) };
  }
}

/** The stand-in face components, wired as buildSimulatedGate expects them. */
export function standInFaceComponents(facesDir: string, now?: () => number): { analyzer: FixtureFaceAnalyzer; gallery: InMemoryGallery; desk: InMemoryPrivacyDesk } {
  const gallery = new InMemoryGallery();
  return { analyzer: new FixtureFaceAnalyzer(facesDir), gallery, desk: new InMemoryPrivacyDesk(gallery, now) };
}
