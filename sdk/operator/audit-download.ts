/**
 * Fetches a device's audit log over `audit.export`, chunk by chunk, and assembles the
 * `facegate-audit/1` document that `facegate audit verify` and `verifyAuditExport` check
 * offline (L8, L12). Each chunk is its own signed command with its own signed result.
 *
 * The last chunk carries the device's signed checkpoints up to the last entry returned
 * (the device signs that head when it answers). A device that keeps no signed log gives
 * none: the document is still written, and verification says the tail is unsigned.
 */
import { TransportError } from "../errors.js";
import { AUDIT_EXPORT_FORMAT, type AuditCheckpoint, type AuditEntry, type AuditExport, type AuditExportResult } from "../protocol/index.js";

export interface AuditDownloadOptions {
  /** Sends one `audit.export` command and returns its verified result (or throws). */
  fetchChunk(offset: number, limit: number): Promise<AuditExportResult>;
  /** Entries asked for per chunk (the device may return fewer to stay under its size limit). */
  chunk: number;
  device: { keyId: string; signingPublicKey: string };
  /** When the download finished (ms since epoch). */
  now(): number;
  /** Stops a runaway download; default 10,000 chunks. */
  maxChunks?: number;
}

export async function downloadAuditLog(o: AuditDownloadOptions): Promise<AuditExport> {
  const entries: AuditEntry[] = [];
  let checkpoints: AuditCheckpoint[] = [];
  let offset: number | null = 0;
  for (let chunks = 0; offset !== null; chunks++) {
    if (chunks >= (o.maxChunks ?? 10_000)) throw new TransportError("audit_export_incomplete", `the audit export did not end within ${chunks} chunks`);
    const r = await o.fetchChunk(offset, o.chunk);
    if (r.offset !== offset) throw new TransportError("audit_export_incomplete", `asked for entries from ${offset}, the device answered from ${r.offset}`);
    if (r.nextOffset !== null && r.nextOffset <= offset) throw new TransportError("audit_export_incomplete", `the device made no progress at entry ${offset}`);
    entries.push(...(r.entries as AuditEntry[]));
    if (r.nextOffset === null) checkpoints = (r.checkpoints ?? []) as AuditCheckpoint[];
    offset = r.nextOffset;
  }
  return { format: AUDIT_EXPORT_FORMAT, exportedAt: o.now(), device: o.device, entries, checkpoints };
}
