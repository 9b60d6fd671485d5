/**
 * Handlers for the command types that need nothing from other modules: gate status,
 * operator key management, and audit export in chunks (through the AuditSink port).
 * The lead plugs in the others (person, consent, deletion, enrollment, policy, notice).
 */
import { CommandError } from "../protocol/command-error.js";

import type { Clock } from "../time/clock.js";
import { type AuditEntry, fromBase64, type GateAddress, type GateStatusResult, MAX_AUDIT_EXPORT_LIMIT } from "../protocol/index.js";
import type { OperatorRegistry } from "./operator-registry.js";
import type { AuditSink } from "./ports.js";
import type { CommandProcessor } from "./processor.js";

export interface BuiltinHandlerOptions {
  processor: CommandProcessor;
  registry: OperatorRegistry;
  audit: AuditSink;
  clock: Clock;
  identity: GateAddress;
  software?: string;
  /** Outbox figures for gate.status (the Outbox has `stats()`). */
  outboxStats?: () => { pending: number; dropped: number };
  /** Non-personal status from the gate orchestrator (door state, hardware health...). */
  gateState?: () => Record<string, unknown>;
  /** Largest audit export chunk, bytes of JSON (keeps results under broker packet limits). Default 256 KiB. */
  maxExportBytes?: number;
}

export function registerBuiltinHandlers(o: BuiltinHandlerOptions): void {
  const { processor, registry, audit } = o;

  processor.registerHandler("gate.status", {
    handle: (): GateStatusResult => {
      const active = registry.active();
      return {
        site: o.identity.site,
        gate: o.identity.gate,
        at: o.clock.now(),
        deviceKeyId: processor.deviceKeyId,
        contractVersion: 2,
        ...(o.software ? { software: o.software } : {}),
        ...(o.outboxStats ? { outbox: o.outboxStats() } : {}),
        operatorKeys: { active: active.length, admins: active.filter((k) => k.role === "admin").length },
        ...(o.gateState ? { gateState: o.gateState() } : {}),
      };
    },
  });

  processor.registerHandler("operator.key_add", {
    handle: (body, ctx) => {
      const pk = fromBase64(body.publicKey);
      if (!pk || pk.length !== 32) throw new CommandError("command_invalid_body", "body.publicKey: must be a base64 Ed25519 public key");
      const keyId = registry.add(pk, body.role, body.label, ctx.keyId);
      return { keyId, role: body.role };
    },
  });

  processor.registerHandler("operator.key_remove", {
    handle: (body, ctx) => {
      registry.remove(body.keyId, ctx.keyId);
      return { keyId: body.keyId, removed: true as const };
    },
  });

  if (audit.read && audit.size) {
    const read = audit.read.bind(audit);
    const size = audit.size.bind(audit);
    const maxBytes = o.maxExportBytes ?? 256 * 1024;
    processor.registerHandler("audit.export", {
      handle: (body) => {
        const total = size();
        const limit = Math.min(body.limit, MAX_AUDIT_EXPORT_LIMIT);
        const entries: AuditEntry[] = [];

        let bytes = 0;
        for (const entry of read(body.offset, limit)) {
          const n = Buffer.byteLength(JSON.stringify(entry), "utf8");
          if (entries.length > 0 && bytes + n > maxBytes) break;
          entries.push(entry);
          bytes += n;
        }
        const end = body.offset + entries.length;
        if (end < total) return { offset: body.offset, total, entries, nextOffset: end };
        // The last chunk: sign the head the operator now holds, and hand over the signed
        // checkpoints up to it, so the assembled export verifies offline (L8).
        if (!audit.checkpoint || !audit.checkpoints) return { offset: body.offset, total, entries, nextOffset: null };
        audit.checkpoint();
        const checkpoints = audit.checkpoints().filter((c) => c.seq <= end);
        return { offset: body.offset, total, entries, nextOffset: null, checkpoints };
      },
    });
  }
}
