/**
 * How the OSDP reader's small text display lays a message out: rows wrapped at word
 * boundaries, a row that ends a word at most columns - 1 long, a full row a word cut in
 * two; pages of as many rows as the display has, each row exactly `columns` wide.
 */
import { describe, expect, it } from "vitest";
import { displayPages } from "../../../../device/drivers/osdp/osdp-devices.js";

const SIZE = { rows: 2, columns: 16 };
const joined = (pages: string[][]) => pages.flat().join("");
const flat = (t: string) => t.replace(/\s+/g, " ").trim();

describe("OSDP display pages", () => {
  it("wraps at word boundaries, pads each row, and pages by the display's rows", () => {
    const pages = displayPages("Use your card or PIN, then wait", SIZE);
    expect(pages).toEqual([
      ["Use your card   ", "or PIN, then    "],
      ["wait            ", "                "],
    ]);
  });

  it("keeps the message's own line breaks, and shows a short message on one page", () => {
    expect(displayPages("Welcome\nDoor open", SIZE)).toEqual([["Welcome         ", "Door open       "]]);
    expect(displayPages("", SIZE)).toEqual([["                ", "                "]]);
  });

  it("cuts a word longer than a row into full rows, so the rows joined give the text back", () => {
    const id = "0f3c2a9e-5b1d-4c7a-9e21-6d8f4b3a2c10";
    const pages = displayPages(`receipt ${id}\n2031-06-15T12:00:00.000Z`, SIZE);
    for (const row of pages.flat()) expect(row).toHaveLength(16);
    expect(pages.flat()).toContain("0f3c2a9e-5b1d-4c");
    expect(flat(joined(pages))).toBe(`receipt ${id} 2031-06-15T12:00:00.000Z`);
  });

  it("never joins two words: a row that ends a word leaves the last column free", () => {
    const text = "abcdefgh ijklmno pqr"; // "abcdefgh ijklmno" would fill 16 columns exactly
    const pages = displayPages(text, SIZE);
    expect(pages.flat()[0]).toBe("abcdefgh        ");
    expect(flat(joined(pages))).toBe(text);
  });

  it("fits four rows of twenty columns too", () => {
    const pages = displayPages("one two three four five six seven eight nine ten eleven twelve", { rows: 4, columns: 20 });
    expect(pages).toHaveLength(1);
    expect(pages[0]!.every((r) => r.length === 20)).toBe(true);
  });
});
