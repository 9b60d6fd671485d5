/**
 * Template sync between the gates of a site (issue 14; L1, L5, L6, L7):
 *
 * `site.gates` (admin keys only): the site's gates and their pinned keys. Replaces the list
 *   held; an older version is refused (`sync_list_outdated`); the list must name this gate
 *   with its own keys, so an installer's mistake shows at once.
 *
 * `template.export`: the gate that enrolled a subject seals the subject's templates, as its
 *   vault holds them, for each named gate of the list: one package per gate, sealed to that
 *   gate's box key, bound to site, gates, subject, consent, face model, time and a fresh
 *   package id, signed by this gate's device key (sdk/vault/template-package-seal.ts). A
 *   consent valid here now is required first (L1). Gates not in the list get no package
 *   (`skipped`). The result holds only sealed packages: the relay cannot open them.
 *
 * `template.install`: a package relayed by the office. Installed only if, in this order:
 *   it names this site and this gate; its sender is another gate of the list and the
 *   signature verifies under that gate's pinned key; its id was never installed here
 *   (persistent); the subject was not deleted here after the package was made; a consent
 *   valid now at this gate carries the package's consent evidence; the face model id and
 *   version are this gate's. Then it is opened with this gate's key, re-encrypted under
 *   this gate's own subject data key (vault.enroll), audited `vault.installed` with the
 *   sending gate, and the face works here. The embeddings are wiped whatever happens.
 */
import { CommandError } from "../../protocol/command-error.js";
import { fromBase64, type FaceModel, type TemplatePackage } from "../../protocol/index.js";
import type { ConsentRecord } from "../../consent/consent-registry.js";
import type { Logger } from "../../log/logger.js";
import { MAX_TEMPLATES_PER_SUBJECT } from "../../vault/template-vault.js";
import { openTemplatePackage, packageSignatureValid } from "../../vault/template-package-seal.js";
import { SyncError } from "../../vault/sync-error.js";
import { VaultError } from "../../vault/vault-error.js";
import { keyIdFor } from "../../crypto/keys.js";
import type { DeviceHandlerDeps, HandlerRegistry } from "./deps.js";
import { requireConsentAtGate } from "./privacy-handlers.js";
import { type SiteGateKeys, SyncRecords } from "./sync-records.js";

export function registerSyncHandlers(processor: HandlerRegistry, deps: DeviceHandlerDeps, log: Logger): SyncRecords {
  const { store } = deps;
  const records = SyncRecords.open(store.db);

  processor.registerHandler("site.gates", {
    handle: (body, ctx) => {
      const held = records.listVersion();
      if (held !== undefined && body.version < held) {
        throw new SyncError("sync_list_outdated", `site gate list version ${body.version} is older than the one held (${held})`, { held, version: body.version });
      }
      const gates: SiteGateKeys[] = body.gates.map((g, i) => {
        const signingPublicKey = fromBase64(g.signingPublicKey);
        const boxPublicKey = fromBase64(g.boxPublicKey);
        if (!signingPublicKey || signingPublicKey.length !== 32 || !boxPublicKey || boxPublicKey.length !== 32) {
          throw new CommandError("command_invalid_body", `body.gates[${i}]: keys must be 32-byte public keys, base64`);
        }
        return { gateId: g.gateId, signingPublicKey, boxPublicKey };
      });
      const self = gates.find((g) => g.gateId === deps.gateId);
      const own = store.publicKeys;
      if (!self || !equalBytes(self.signingPublicKey, own.signingPublicKey) || !equalBytes(self.boxPublicKey, own.boxPublicKey)) {
        throw new CommandError("command_invalid_body", `body.gates: must name this gate (${deps.gateId}) with its own device keys`);
      }
      store.db.transaction(() => {
        records.replaceList(body.version, gates, ctx.keyId, ctx.now);
        store.audit.append({
          type: "sync.site_gates",
          actor: ctx.keyId,
          details: { commandId: ctx.commandId, version: body.version, gates: gates.map((g) => ({ gateId: g.gateId, keyId: keyIdFor(g.signingPublicKey) })) },
        });
      })();
      log.info("site gate list stored", { version: body.version, gates: gates.length });
      return { version: body.version, gates: gates.length };
    },
  });

  const model = deps.faceModel;
  const newId = deps.newId;
  if (!model || !newId) return records;

  processor.registerHandler("template.export", {
    handle: (body, ctx) => {
      if (records.listVersion() === undefined) throw new SyncError("sync_no_site_gates", "this gate holds no site gate list yet; send site.gates first");
      const consent = requireConsentAtGate(deps, body.subjectRef, undefined, ctx.now);
      const skipped: Array<{ gateId: string; reason: string }> = [];
      const orders = body.gates.flatMap((gateId) => {
        if (gateId === deps.gateId) return skipped.push({ gateId, reason: "this gate" }), [];
        const to = records.gate(gateId);
        if (!to) return skipped.push({ gateId, reason: "not in the site's gate list" }), [];
        return [
          {
            signer: store.signer,
            site: deps.siteId,
            from: deps.gateId,
            to: { gateId, boxPublicKey: to.boxPublicKey },
            consentId: consent.id,
            consentEvidence: consent.evidenceRef,
            model,
            issuedAt: ctx.now,
            packageId: newId(),
          },
        ];
      });
      const packages = store.vault.sealForGates(body.subjectRef, orders, ctx.keyId);
      log.info("templates sealed for other gates", { subjectId: body.subjectRef, commandId: ctx.commandId, packages: packages.length, skipped: skipped.length });
      return { subjectRef: body.subjectRef, packages, skipped };
    },
  });

  processor.registerHandler("template.install", {
    handle: (body, ctx) => {
      const pkg = body.package;
      checkPackage(pkg, { deps, records, model, now: ctx.now });
      const subjectId = pkg.subjectRef;
      if (store.vault.counts(subjectId).templates + pkg.templateCount > MAX_TEMPLATES_PER_SUBJECT) {
        throw new VaultError("template_limit", `a subject may hold at most ${MAX_TEMPLATES_PER_SUBJECT} templates; delete the subject's face data first`, { subjectId });
      }
      const sender = records.gate(pkg.from)!;
      let embeddings: Float32Array[] = [];
      try {
        embeddings = openTemplatePackage({ sodium: store.keys.crypto, pkg, senderSigningKey: sender.signingPublicKey, openSealed: (c) => store.keys.openSealed(c) });
        store.db.transaction(() => {
          records.recordInstalled(pkg.packageId, pkg.from, subjectId, ctx.now);
          store.vault.enroll({ subjectId, gateId: deps.gateId, embeddings, actor: ctx.keyId, installedFrom: { gateId: pkg.from, packageId: pkg.packageId } });
        })();
      } finally {
        for (const e of embeddings) e.fill(0);
      }
      const templateCount = store.vault.counts(subjectId).templates;
      log.info("template package installed", { subjectId, from: pkg.from, packageId: pkg.packageId, commandId: ctx.commandId });
      return { subjectRef: subjectId, packageId: pkg.packageId, from: pkg.from, installed: true as const, templateCount };
    },
  });
  return records;
}

/** Every refusal of issue 14 item 3 that needs no decryption, in order; throws SyncError. */
function checkPackage(pkg: TemplatePackage, c: { deps: DeviceHandlerDeps; records: SyncRecords; model: FaceModel; now: number }): void {
  const { deps, records } = c;
  const ids = { packageId: pkg.packageId, from: pkg.from, subjectId: pkg.subjectRef };
  if (pkg.site !== deps.siteId) throw new SyncError("sync_wrong_site", `package ${pkg.packageId} is for site ${pkg.site}, not this one`, ids);
  if (pkg.to !== deps.gateId) throw new SyncError("sync_wrong_gate", `package ${pkg.packageId} is addressed to gate ${pkg.to}, not ${deps.gateId}`, ids);
  if (records.listVersion() === undefined) throw new SyncError("sync_no_site_gates", "this gate holds no site gate list yet; send site.gates first", ids);
  const sender = pkg.from === deps.gateId ? undefined : records.gate(pkg.from);
  if (!sender) throw new SyncError("sync_unknown_sender", `package ${pkg.packageId}: gate ${pkg.from} is not another gate of the site's gate list`, ids);
  // Signature before anything that reads the package's claims about the subject.
  if (pkg.deviceKeyId !== keyIdFor(sender.signingPublicKey)) {
    throw new SyncError("sync_unknown_sender", `package ${pkg.packageId}: signed by key ${pkg.deviceKeyId}, which is not gate ${pkg.from}'s pinned key`, ids);
  }
  if (!packageSignatureValid(deps.store.keys.crypto, pkg, sender.signingPublicKey)) {
    throw new SyncError("sync_bad_signature", `package ${pkg.packageId}: the signature does not verify under gate ${pkg.from}'s pinned key`, ids);
  }
  if (records.wasInstalled(pkg.packageId)) throw new SyncError("sync_replayed", `package ${pkg.packageId} was installed here before`, ids);
  const deletedAt = records.lastDeletionAt(pkg.subjectRef);
  if (deletedAt !== undefined && deletedAt >= pkg.issuedAt) {
    throw new SyncError("sync_subject_deleted", `subject ${pkg.subjectRef} was deleted here after package ${pkg.packageId} was made; enroll again after a new consent`, ids);
  }
  if (!consentFor(deps, pkg, c.now)) {
    throw new SyncError("sync_consent_missing", `no consent valid now at gate ${deps.gateId} matches package ${pkg.packageId}'s consent (L1)`, ids);
  }
  if (pkg.model.id !== c.model.id || pkg.model.version !== c.model.version) {
    throw new SyncError("sync_model_mismatch", `package ${pkg.packageId} holds templates of model ${pkg.model.id} ${pkg.model.version}; this gate runs ${c.model.id} ${c.model.version}: the resident must enroll again`, {
      ...ids,
      model: pkg.model,
      gateModel: c.model,
    });
  }
}

/** This gate's consent for the package's subject, valid now here, with the same evidence (the one signed form). */
function consentFor(deps: DeviceHandlerDeps, pkg: TemplatePackage, now: number): ConsentRecord | undefined {
  const { consents } = deps.store;
  return consents
    .list(pkg.subjectRef)
    .find(
      (r) =>
        r.evidenceRef === pkg.consentEvidence &&
        r.siteId === consents.policy.siteId &&
        r.processorId === consents.policy.processorId &&
        r.gateIds.includes(deps.gateId) &&
        r.givenAt <= now &&
        consents.status(r, now) === "active",
    );
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
