/**
 * `policy.set`: the gate policies of the site (sdk/policy schema). The body's `policy` is
 * either `{ gates: [GatePolicy, ...] }`, which replaces every gate's policy (this gate's
 * must be among them), or one
 * `GatePolicy` (`gateId` defaults to this gate), which replaces that gate's only.
 *
 * Refused with `access_face_only` (L2), nothing changed: a mode that accepts face alone
 * with no card or PIN path, or a change that would leave anyone with rights at a gate
 * without a card or PIN that works there. Other schema problems are invalid bodies.
 * The change is audited with its version and the modes (L8).
 */
import { ConfigError, FaceOnlyError } from "../../errors.js";
import type { Logger } from "../../log/logger.js";
import { type GatePolicy, parseGatePolicies, parseGatePolicy } from "../../policy/gate-policy.js";
import type { CommandBodies } from "../../protocol/index.js";
import { type DeviceHandlerDeps, type HandlerRegistry, asFaceOnly } from "./deps.js";

export function registerPolicyHandlers(processor: HandlerRegistry, deps: DeviceHandlerDeps, log: Logger): void {
  const { access, store } = deps;
  processor.registerHandler("policy.set", {
    validate: (body) => {
      try {
        parsePolicyBody(body, deps.gateId);
      } catch (err) {
        // L2 refusals are answered by handle() with their own code.
        if (!(err instanceof FaceOnlyError)) throw err;
      }
    },
    handle: (body, ctx) => {
      let parsed: { policies: GatePolicy[]; replaceAll: boolean };
      try {
        parsed = parsePolicyBody(body, deps.gateId);
      } catch (err) {
        throw asFaceOnly(err);
      }
      const next = parsed.replaceAll ? parsed.policies : [...access.policies().filter((p) => p.gateId !== parsed.policies[0]!.gateId), parsed.policies[0]!];
      next.sort((a, b) => (a.gateId < b.gateId ? -1 : a.gateId > b.gateId ? 1 : 0));
      store.db.transaction(() => {
        try {
          access.loadPolicies(next);
        } catch (err) {
          throw asFaceOnly(err);
        }
        store.audit.append({
          type: "policy.changed",
          actor: ctx.keyId,
          details: { commandId: ctx.commandId, version: body.version, replaced: parsed.replaceAll ? "all" : parsed.policies[0]!.gateId, gates: next.map((p) => ({ gateId: p.gateId, mode: p.mode })) },
        });
      })();
      log.info("gate policies set", { version: body.version, gates: next.length });
      return { version: body.version };
    },
  });
}

function parsePolicyBody(body: CommandBodies["policy.set"], gateId: string): { policies: GatePolicy[]; replaceAll: boolean } {
  const p = body.policy;
  if ("gates" in p) {
    const keys = Object.keys(p).filter((k) => k !== "gates");
    if (keys.length > 0) throw new ConfigError(`body.policy.${keys[0]}: unknown key (a policy set is { gates: [...] })`, { path: `body.policy.${keys[0]}` });
    const policies = parseGatePolicies(p["gates"], "body.policy.gates");
    // Without its own policy the gate would take no card or PIN at all.
    if (!policies.some((g) => g.gateId === gateId)) throw new ConfigError(`body.policy.gates: must include this gate (${gateId})`, { path: "body.policy.gates" });
    return { policies, replaceAll: true };
  }
  return { policies: [parseGatePolicy({ gateId, ...p }, "body.policy")], replaceAll: false };
}
