/**
 * Splits a child's output stream into lines, incrementally and with bounded memory: a
 * line longer than `maxLine` characters is emitted cut at `maxLine` and the rest of it,
 * up to its newline, is dropped and counted, so a tool that never prints a newline
 * cannot grow the buffer.
 */
export class LineSplitter {
  private partial = "";
  /** The current line was already emitted cut; drop until its newline. */
  private discarding = false;
  /** Characters dropped from over-long lines. */
  dropped = 0;

  constructor(private readonly maxLine = 1_024) {}

  push(chunk: Buffer | string): string[] {
    const pieces = (typeof chunk === "string" ? chunk : chunk.toString("utf8")).split("\n");
    const lines: string[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      const complete = i < pieces.length - 1;
      if (this.discarding) {
        this.dropped += piece.length;
        if (complete) this.discarding = false;
        continue;
      }
      this.partial += piece;
      if (this.partial.length > this.maxLine) {
        this.dropped += this.partial.length - this.maxLine;
        lines.push(this.partial.slice(0, this.maxLine));
        this.partial = "";
        this.discarding = !complete;
        continue;
      }
      if (complete) {
        lines.push(this.partial.endsWith("\r") ? this.partial.slice(0, -1) : this.partial);
        this.partial = "";
      }
    }
    return lines;
  }
}
