/** The folder rules of the repository and the layers of sdk/ (test/support/layer-check.ts), checked on the tree. */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/faces.js";
import { checkLayers, importsOf, readTree } from "../support/layer-check.js";

describe("layers", () => {
  it("holds on this tree: no lower layer imports a higher one, no platform-free folder imports node:*", () => {
    expect(checkLayers(readTree(repoRoot))).toEqual([]);
  });

  it("fails on a deliberate back-import, an import of device/, a node:* import in platform-free code, and a folder without a layer", () => {
    const tree = readTree(repoRoot);
    tree.set("sdk/crypto/zz-back.ts", 'import { CommandProcessor } from "../commands/processor.js";\n');
    tree.set("sdk/gate/zz-device.ts", 'import { startGateRuntime } from "../../device/runtime/gate-runtime.js";\n');
    tree.set("sdk/policy/zz-node.ts", 'import { readFileSync } from "node:fs";\n');
    tree.set("sdk/newthing/zz.ts", "export const x = 1;\n");
    tree.set("simulator/zz.ts", 'import type { GateRuntime } from "../device/runtime/gate-runtime.js";\n');
    const rules = checkLayers(tree).map((v) => `${v.file}: ${v.rule}`);
    expect(rules).toEqual([
      "sdk/crypto/zz-back.ts: sdk/crypto (layer 2) may not import sdk/commands (layer 9): only lower layers",
      "sdk/gate/zz-device.ts: sdk never imports device/",
      "sdk/policy/zz-node.ts: sdk/policy is platform-free: no node:* imports",
      "sdk/newthing/zz.ts: sdk/newthing has no layer in test/support/layer-check.ts",
      "simulator/zz.ts: simulator imports only sdk/",
    ]);
  });

  it("lets only sdk/testing import vitest", () => {
    const tree = readTree(repoRoot);
    tree.set("sdk/commands/zz-kit.ts", 'import { expect } from "vitest";\n');
    tree.set("simulator/zz-kit.ts", 'import { it } from "vitest";\n');
    tree.set("sdk/testing/hal/zz-kit.ts", 'import { it } from "vitest";\n');
    expect(checkLayers(tree).map((v) => `${v.file}: ${v.rule}`)).toEqual([
      "sdk/commands/zz-kit.ts: only sdk/testing imports vitest: no test kit in production code",
      "simulator/zz-kit.ts: only sdk/testing imports vitest: no test kit in production code",
    ]);
  });

  it("reads every form of import, and none quoted in comments", () => {
    expect(importsOf('import a from "./a.js";\nexport { b } from "../b.js";\nconst c = await import("./c.js");\nimport "./d.js";\n// import x from "./x.js"\n/* import y from "./y.js" */')).toEqual(["./a.js", "../b.js", "./c.js", "./d.js"]);
  });

  it("compiles the platform-free folders without Node's types", () => {
    execFileSync(join(repoRoot, "node_modules", ".bin", "tsc"), ["-p", join(repoRoot, "sdk", "tsconfig.platform-free.json")], { cwd: repoRoot, stdio: "pipe" });
  }, 60_000);
});
