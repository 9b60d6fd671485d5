/**
 * The `http` section of the site configuration: absent, no HTTP API; present, it listens on
 * 127.0.0.1 (never on every interface unless a host is named) at port 8470 unless told;
 * mistakes name the field.
 */
import { describe, expect, it } from "vitest";
import { parseSiteConfig } from "../../../device/site/site-config.js";

const base = {
  version: 1,
  site: { id: "estate-1", processorId: "acme" },
  database: "site.db",
  dataKeyFile: "data.key",
  operatorKeyFile: "office.key",
  mqtt: { url: "mqtt://127.0.0.1:1883" },
};

describe("the site configuration's http section", () => {
  it("is off when absent, and defaults to 127.0.0.1:8470 with 8-hour sessions when present", () => {
    expect(parseSiteConfig(base, "/etc/facegate").http).toBeUndefined();
    expect(parseSiteConfig({ ...base, http: {} }, "/etc/facegate").http).toEqual({ host: "127.0.0.1", port: 8470, sessionTtlMs: 8 * 3_600_000, secureCookies: false });
    expect(parseSiteConfig({ ...base, http: { host: "0.0.0.0", port: 0, sessionMinutes: 30, secureCookies: true } }, "/").http).toEqual({ host: "0.0.0.0", port: 0, sessionTtlMs: 1_800_000, secureCookies: true });
  });

  it("names the field that is wrong", () => {
    expect(() => parseSiteConfig({ ...base, http: { port: 70_000 } }, "/")).toThrow(/http\.port/);
    expect(() => parseSiteConfig({ ...base, http: { listen: "all" } }, "/")).toThrow(/http.*listen|unknown key/);
    expect(() => parseSiteConfig({ ...base, http: { sessionMinutes: 0 } }, "/")).toThrow(/http\.sessionMinutes/);
  });
});
