/**
 * Processing notices (L3): what the device tells people before they consent. Each
 * version is identified by the SHA-256 of the canonical encoding of its content, so a
 * consent record names exactly the text that was shown.
 */
import { canonicalHash } from "../crypto/hash.js";
import { ConsentError } from "../errors.js";
import type { NoticeFields } from "../protocol/index.js";

export const NOTICE_FORMAT = "facegate-notice/1";

export interface ProcessingNoticeContent {
  /** Positive integer; each published notice has a higher version than the last. */
  version: number;
  /** BCP 47 tag of the text, e.g. `zh-CN`. */
  language: string;
  purpose: string;
  method: string;
  scope: string;
  retention: string;
  contact: string;
  rights: string;
}

export interface ProcessingNotice extends ProcessingNoticeContent {
  /** SHA-256 (hex) of the canonical encoding of the content. */
  hash: string;
  publishedAt: number;
}

const TEXT_FIELDS = ["language", "purpose", "method", "scope", "retention", "contact", "rights"] as const;

/** Validates notice content; throws `notice_invalid` naming the field. */
export function validateNotice(content: ProcessingNoticeContent): ProcessingNoticeContent {
  if (!Number.isInteger(content.version) || content.version < 1) throw new ConsentError("notice_invalid", "notice.version: must be a positive integer");
  for (const field of TEXT_FIELDS) {
    const v = content[field];
    if (typeof v !== "string" || v.trim() === "") throw new ConsentError("notice_invalid", `notice.${field}: must be a non-empty string`);
  }
  const clean: ProcessingNoticeContent = { version: content.version, language: content.language, purpose: content.purpose, method: content.method, scope: content.scope, retention: content.retention, contact: content.contact, rights: content.rights };
  return clean;
}

export function noticeHash(content: ProcessingNoticeContent): string {
  const c = validateNotice(content);
  return canonicalHash({ format: NOTICE_FORMAT, ...c });
}

/** The notice as the device publishes it (retained, L3): version, hash, time and content. */
export function noticeFields(n: ProcessingNotice): NoticeFields {
  return {
    version: String(n.version),
    hash: n.hash,
    publishedAt: n.publishedAt,
    notice: { purpose: n.purpose, method: n.method, scope: n.scope, retention: n.retention, contact: n.contact, rights: n.rights, language: n.language },
  };
}
