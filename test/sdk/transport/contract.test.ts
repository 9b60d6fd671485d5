import { describe, expect, it } from "vitest";
import { COMMAND_BODY_SCHEMAS, COMMAND_ROLES, COMMAND_TYPES, EVENT_CATEGORIES, gateTopics, parseTopic, TOPIC_RULES } from "../../../sdk/protocol/index.js";

describe("topic contract v1", () => {
  const t = gateTopics({ prefix: "acme/estates", site: "estate-7", gate: "north_2" });

  it("builds versioned topics under the prefix, with site and gate as opaque ids", () => {
    expect(t.state).toBe("acme/estates/v2/estate-7/north_2/state");
    expect(t.notice).toBe("acme/estates/v2/estate-7/north_2/notice");
    expect(t.event("privacy")).toBe("acme/estates/v2/estate-7/north_2/events/privacy");
    expect(t.commandRequest).toBe("acme/estates/v2/estate-7/north_2/commands/request");
    expect(t.commandResult("c-1")).toBe("acme/estates/v2/estate-7/north_2/commands/result/c-1");
    expect(t.commandResult(null)).toBe("acme/estates/v2/estate-7/north_2/commands/result/unknown");
    expect(gateTopics({ site: "s", gate: "g" }).state).toBe("facegate/v2/s/g/state");
  });

  it("refuses identifiers that are not opaque ids: no names, spaces, wildcards or separators in topics", () => {
    for (const bad of ["Zhang San", "张三", "a/b", "+", "#", "", "x".repeat(65)]) {
      expect(() => gateTopics({ site: bad, gate: "g" }), bad).toThrow(/opaque identifier/);
      expect(() => gateTopics({ site: "s", gate: bad }), bad).toThrow(/opaque identifier/);
    }
    expect(() => gateTopics({ prefix: "a/+/b", site: "s", gate: "g" })).toThrow(/prefix/);
    expect(() => t.commandResult("../x")).toThrow();
  });

  it("parses every topic it builds back to its kind", () => {
    expect(parseTopic("acme/estates", t.state)).toEqual({ kind: "state", site: "estate-7", gate: "north_2" });
    for (const c of EVENT_CATEGORIES) expect(parseTopic("acme/estates", t.event(c))).toMatchObject({ kind: "event", category: c });
    expect(parseTopic("acme/estates", t.commandResult("c-1"))).toMatchObject({ kind: "commandResult", commandId: "c-1" });
    expect(parseTopic("acme/estates", t.commandRequest)).toMatchObject({ kind: "commandRequest" });
    expect(parseTopic("acme/estates", "acme/estates/v1/s/g/state")).toBeUndefined();
    expect(parseTopic("acme/estates", `${t.base}/events/gossip`)).toBeUndefined();
  });

  it("gives every topic QoS 1, retains only state and notice, and has a validator and roles for every command type", () => {
    expect(Object.values(TOPIC_RULES).every((r) => r.qos === 1)).toBe(true);
    expect(Object.entries(TOPIC_RULES).filter(([, r]) => r.retain).map(([k]) => k)).toEqual(["state", "notice"]);
    for (const type of COMMAND_TYPES) {
      expect(COMMAND_BODY_SCHEMAS[type].type, type).toBe("object");

      expect(COMMAND_ROLES[type].length, type).toBeGreaterThan(0);
    }
    expect(COMMAND_ROLES["operator.key_add"]).toEqual(["admin"]);
  });
});
