/**
 * The only place a decrypted template may go (L6): the vault decrypts straight into a
 * TemplateSink (the in-memory gallery index). No API hands a template to anything else.
 */
export interface TemplateSink {
  /** Adds one template of a subject. `embedding` is an L2-normalised 512-d vector; the sink copies it. */
  add(subjectId: string, templateId: string, embedding: Float32Array): void;
  /** Removes every template of a subject and overwrites its vectors; effective before the next search. */
  remove(subjectId: string): void;
}
