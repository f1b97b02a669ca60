// Security suite, environment: the host's canary secret (CANARY_ENV) must
// never reach the sandbox, with no grant, with `env: true` (the sandbox starts
// from an empty environment) and with a list naming other variables.

import { assert, assertEquals } from "../_assert.ts";
import { CANARY_ENV, expectFailure, expectOutput, NODE_BUILTINS, startSuite } from "./_harness.ts";

Deno.test("security: the environment is denied without a grant", async (t) => {
  await using suite = await startSuite({ authorizedImports: NODE_BUILTINS });
  const { ex } = suite;

  await t.step("Deno.env.get of the canary secret is denied env", async () => {
    await expectFailure(ex, `const key = Deno.env.get(${JSON.stringify(CANARY_ENV)});\nkey`, {
      kind: "permission",
      permission: "env",
    });
    await suite.check();
  });

  await t.step("dumping process.env to look for API keys is denied env", async () => {
    await expectFailure(
      ex,
      `const keys = Object.entries({ ...process.env }).filter(([k]) => /KEY|TOKEN|SECRET|CANARY/.test(k));
console.log(keys);
keys.length`,
      { kind: "permission", permission: "env" },
    );
    await suite.check();
  });

  await t.step("node:os.userInfo() and homedir() are denied", async () => {
    await expectFailure(
      ex,
      `const os = process.getBuiltinModule("node:os");\n({ user: os.userInfo().username, home: os.homedir() })`,
      { kind: "permission", permission: "sys" },
    );
    await suite.check();
  });

  await t.step("process.loadEnvFile() of a .env file is denied env", async () => {
    await expectFailure(ex, `process.loadEnvFile(".env");\nprocess.env.OPENAI_API_KEY`, {
      kind: "permission",
      permission: "env",
    });
    await suite.check();
  });
});

Deno.test("security: env: true grants an empty environment, never the host's", async (t) => {
  await using suite = await startSuite({ permissions: { env: true } });
  const { ex } = suite;

  await t.step("Deno.env.toObject() has neither the canary name nor its value", async () => {
    const out = await expectOutput(ex, "Deno.env.toObject()");
    const env = out.output as Record<string, string>;
    assert(!(CANARY_ENV in env), "the canary variable entered the sandbox");
    assertEquals(
      Object.keys(env).filter((k) => /HOME|USER|PATH_INFO|SECRET|KEY|TOKEN/.test(k)),
      [],
    );
    await suite.check();
  });

  await t.step("process.env and Deno.env.get of the canary are undefined", async () => {
    const out = await expectOutput(
      ex,
      `[process.env[${JSON.stringify(CANARY_ENV)}], Deno.env.get(${
        JSON.stringify(CANARY_ENV)
      }), Deno.env.has("HOME")]`,
    );
    assertEquals(out.output, [undefined, undefined, false]);
    await suite.check();
  });

  await t.step("setting a variable in the sandbox does not change the host's", async () => {
    await expectOutput(ex, `Deno.env.set(${JSON.stringify(CANARY_ENV)}, "overwritten");`);
    await suite.check(); // checks the host value is intact
  });
});

Deno.test("security: env and read grants still hide the host's environment", async (t) => {
  const visible = "SMOLDENO_SECURITY_VISIBLE";
  Deno.env.set(visible, "visible-value");
  try {
    await using suite = await startSuite({ permissions: { env: [visible], read: true } });
    const { ex } = suite;

    await t.step("a listed variable is copied in, the canary is still denied env", async () => {
      const out = await expectOutput(ex, `Deno.env.get(${JSON.stringify(visible)})`);
      assertEquals(out.output, "visible-value");
      await expectFailure(ex, `Deno.env.get(${JSON.stringify(CANARY_ENV)})`, {
        kind: "permission",
        permission: "env",
      });
      await suite.check();
    });

    await t.step("/proc/self/environ needs all permissions even with read: true", async () => {
      await expectFailure(
        ex,
        `new TextDecoder().decode(await Deno.readFile("/proc/self/environ")).split("\\0")`,
        { kind: "permission", permission: "all" },
      );
      await suite.check();
    });

    await t.step("the host's /proc/<ppid>/environ and cmdline need all permissions", async () => {
      await expectFailure(
        ex,
        `const parent = Deno.ppid;
const environ = Deno.readTextFileSync(\`/proc/\${parent}/environ\`);
environ.split("\\0").find((kv) => kv.startsWith(${JSON.stringify(CANARY_ENV)}))`,
        { kind: "permission", permission: "all" },
      );
      await expectFailure(ex, `Deno.readTextFileSync(\`/proc/\${Deno.ppid}/cmdline\`)`, {
        kind: "permission",
        permission: "all",
      });
      await suite.check();
    });
  } finally {
    Deno.env.delete(visible);
  }
});
