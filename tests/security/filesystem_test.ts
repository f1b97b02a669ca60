// Security suite, file system: model-written code trying to read, write,
// delete and link host files, with no grant and with a scoped grant.

import { assert, assertEquals, assertNotEquals } from "../_assert.ts";
import {
  assertHostUnaffected,
  expectFailure,
  expectOutput,
  newExecutor,
  NODE_BUILTINS,
  startCanary,
  startSuite,
} from "./_harness.ts";

Deno.test("security: file-system access is denied without a grant", async (t) => {
  await using suite = await startSuite({ authorizedImports: NODE_BUILTINS });
  const { ex, canary } = suite;
  const hostCwd = Deno.cwd();
  await ex.sendVariables({ hostCwd, canaryPath: canary.file });

  await t.step("reading /etc/passwd to enumerate users is denied read", async () => {
    await expectFailure(
      ex,
      `const passwd = await Deno.readTextFile("/etc/passwd");
const users = passwd.split("\\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(":")[0]);
console.log("users:", users.join(", "));
users.length`,
      { kind: "permission", permission: "read" },
    );
    await suite.check();
  });

  await t.step("listing the home directory for SSH keys and dotfiles is denied read", async () => {
    await expectFailure(
      ex,
      `const found: string[] = [];
for (const home of ["/root", "/home"]) {
  for await (const entry of Deno.readDir(home)) found.push(\`\${home}/\${entry.name}\`);
}
const keys = found.filter((p) => /\\.ssh|\\.aws|\\.env|\\.netrc/.test(p));
keys`,
      { kind: "permission", permission: "read" },
    );
    await suite.check();
  });

  await t.step("reading /proc/self/environ through node:fs is denied read", async () => {
    await expectFailure(
      ex,
      `const fs = process.getBuiltinModule("node:fs");
const env = fs.readFileSync("/proc/self/environ", "utf8").split("\\0");
env.filter((kv) => /KEY|TOKEN|SECRET/i.test(kv))`,
      { kind: "permission", permission: "read" },
    );
    await suite.check();
  });

  await t.step(
    "the sandbox runs in a private directory, and the host's cwd is denied read",
    async () => {
      const cwd = await expectOutput(ex, "Deno.cwd()");
      assertNotEquals(cwd.output, hostCwd);
      await expectFailure(
        ex,
        `const files = [...Deno.readDirSync(hostCwd)].map((e) => e.name);
const config = files.find((f) => f === "deno.json" || f === ".env");
config ? Deno.readTextFileSync(\`\${hostCwd}/\${config}\`) : files`,
        { kind: "permission", permission: "read" },
      );
      await expectFailure(ex, `Deno.chdir(hostCwd); Deno.readTextFileSync("deno.json")`, {
        kind: "permission",
        permission: "read",
      });
      await suite.check();
    },
  );

  await t.step("reading the host canary file with Deno.readTextFile is denied read", async () => {
    await expectFailure(ex, `const secret = await Deno.readTextFile(canaryPath);\nsecret.trim()`, {
      kind: "permission",
      permission: "read",
    });
    await suite.check();
  });

  await t.step("reading the host canary file through fetch(file://) is denied read", async () => {
    await expectFailure(
      ex,
      `const res = await fetch(new URL(\`file://\${canaryPath}\`));\nawait res.text()`,
      { kind: "permission", permission: "read" },
    );
    await suite.check();
  });

  await t.step(
    "importing the host canary file as text with a literal specifier (the entry-graph trick) is denied read",
    async () => {
      await expectFailure(
        ex,
        `const { default: secret } = await import(${
          JSON.stringify(canary.file)
        }, { with: { type: "text" } });\nsecret`,
        { kind: "permission", permission: "read" },
      );
      await expectFailure(
        ex,
        `import hostname from "/etc/hostname" with { type: "text" };\nhostname`,
        { kind: "permission", permission: "read" },
      );
      await suite.check();
    },
  );

  await t.step(
    "importing the canary file through a computed file: URL is denied read",
    async () => {
      await expectFailure(
        ex,
        `const url = "file://" + canaryPath;
const mod = await import(url, { with: { type: "text" } });
mod.default`,
        { kind: "permission", permission: "read" },
      );
      await suite.check();
    },
  );

  await t.step(
    "a data: module reading the canary file runs with the same (no) permissions",
    async () => {
      await expectFailure(
        ex,
        `const src = \`export default Deno.readTextFileSync(\${JSON.stringify(canaryPath)});\`;
const url = "data:text/javascript;base64," + btoa(src);
(await import(url)).default`,
        { kind: "permission", permission: "read" },
      );
      await suite.check();
    },
  );

  await t.step("probing whether host files exist with Deno.stat is denied read", async () => {
    await expectFailure(
      ex,
      `const probe = ["/root/.ssh/id_rsa", canaryPath, "/etc/shadow"].map((p) => {
  try { return [p, Deno.statSync(p).size]; } catch (e) { if (e instanceof Deno.errors.NotFound) return [p, -1]; throw e; }
});
probe`,
      { kind: "permission", permission: "read" },
    );
    await suite.check();
  });

  await t.step("overwriting the host canary file is denied write", async () => {
    await expectFailure(
      ex,
      `await Deno.writeTextFile(canaryPath, "pwned by the model");\n"done"`,
      { kind: "permission", permission: "write" },
    );
    await expectFailure(
      ex,
      `const fs = process.getBuiltinModule("node:fs");\nfs.appendFileSync(canaryPath, "\\nexfil");`,
      { kind: "permission", permission: "write" },
    );
    await suite.check();
  });

  await t.step("deleting the host canary directory is denied write", async () => {
    const dir = canary.dir;
    await expectFailure(
      ex,
      `await Deno.remove(${JSON.stringify(dir)}, { recursive: true });\n"cleaned up"`,
      { kind: "permission", permission: "write" },
    );
    await suite.check();
  });

  await t.step("opening the host's stdio through /proc/<ppid>/fd is denied", async () => {
    await expectFailure(
      ex,
      `const hostStdout = Deno.openSync(\`/proc/\${Deno.ppid}/fd/1\`, { write: true });
hostStdout.writeSync(new TextEncoder().encode("injected into the host's output\\n"));`,
      { kind: "permission", permission: "write" },
    );
    await expectFailure(
      ex,
      `const hostStdin = Deno.openSync(\`/proc/\${Deno.ppid}/fd/0\`);\nhostStdin.readSync(new Uint8Array(1024))`,
      { kind: "permission", permission: "read" },
    );
    await suite.check();
  });

  await t.step("node:sqlite cannot open, ATTACH or VACUUM INTO a host file", async () => {
    const target = JSON.stringify(`${canary.dir}/loot.db`);
    await expectFailure(
      ex,
      `const { DatabaseSync } = process.getBuiltinModule("node:sqlite");\nnew DatabaseSync(${target});`,
      { kind: "permission", permission: "read" },
    );
    for (const sql of [`ATTACH DATABASE ${target} AS loot`, `VACUUM INTO ${target}`]) {
      await expectFailure(
        ex,
        `const { DatabaseSync } = process.getBuiltinModule("node:sqlite");
const db = new DatabaseSync(":memory:");
db.exec(${JSON.stringify(sql.replaceAll('"', "'"))});`,
        { kind: "runtime" },
      );
    }
    await suite.check();
  });

  await t.step("a heap snapshot cannot be written to disk", async () => {
    await expectFailure(
      ex,
      `const v8 = process.getBuiltinModule("node:v8");\nv8.writeHeapSnapshot(${
        JSON.stringify(`${canary.dir}/heap.heapsnapshot`)
      })`,
      { kind: "permission", permission: "write" },
    );
    await suite.check();
  });

  await t.step("writing a file in its own working directory is denied write", async () => {
    await expectFailure(ex, `await Deno.writeTextFile("notes.txt", "scratch");`, {
      kind: "permission",
      permission: "write",
    });
    await expectFailure(ex, `Deno.makeTempDirSync({ prefix: "work" })`, {
      kind: "permission",
      permission: "write",
    });
    await suite.check();
  });
});

Deno.test("security: a scoped read/write grant does not reach outside its directory", async (t) => {
  const granted = await Deno.makeTempDir({ prefix: "smoldeno-granted-" });
  try {
    await using suite = await startSuite({ permissions: { read: [granted], write: [granted] } });
    const { ex, canary } = suite;
    await ex.sendVariables({ granted, canaryPath: canary.file });
    const relative = `${granted}/../${canary.dir.split("/").pop()}/secret.txt`;

    await t.step("the granted directory itself is readable and writable", async () => {
      const out = await expectOutput(
        ex,
        `await Deno.writeTextFile(\`\${granted}/report.md\`, "# Report");
await Deno.readTextFile(\`\${granted}/report.md\`)`,
      );
      assertEquals(out.output, "# Report");
      await suite.check();
    });

    await t.step("climbing out of the grant with ../ is denied read", async () => {
      await expectFailure(ex, `Deno.readTextFileSync(${JSON.stringify(relative)})`, {
        kind: "permission",
        permission: "read",
      });
      await expectFailure(
        ex,
        `Deno.chdir(granted);\nDeno.readTextFileSync("../" + canaryPath.split("/").slice(-2).join("/"))`,
        { kind: "permission", permission: "read" },
      );
      await suite.check();
    });

    await t.step(
      "symlinking the canary into the grant is denied (it needs unscoped read and write)",
      async () => {
        // Regression (finding F4): this denial used to carry no `permission`.
        await expectFailure(
          ex,
          `await Deno.symlink(canaryPath, \`\${granted}/innocent.txt\`);
await Deno.readTextFile(\`\${granted}/innocent.txt\`)`,
          { kind: "permission", permission: "write" },
        );
        const listing = await expectOutput(ex, `[...Deno.readDirSync(granted)].map((e) => e.name)`);
        assertEquals(listing.output, ["report.md"]);
        await suite.check();
      },
    );

    await t.step(
      "hard-linking, copying or moving the canary into the grant is denied read",
      async () => {
        for (const op of ["linkSync", "copyFileSync", "renameSync"]) {
          await expectFailure(ex, `Deno.${op}(canaryPath, \`\${granted}/${op}.txt\`);`, {
            kind: "permission",
            permission: "read",
          });
        }
        await suite.check();
      },
    );
  } finally {
    await Deno.remove(granted, { recursive: true });
  }
});

Deno.test("security: a sandbox granted read and write cannot plant a runner or config for its successor", async () => {
  await using canary = await startCanary();
  await using ex = newExecutor({ permissions: { read: true, write: true } });
  await ex.sendVariables({
    hijack: JSON.stringify({
      imports: { "node:inspector": "data:text/javascript,export const Session = class {}" },
    }),
  });
  // A runner that never signs frames, and a config remapping the runner's imports.
  await expectFailure(
    ex,
    `const runner = new URL(Deno.mainModule).pathname;
Deno.writeTextFileSync(runner, 'globalThis.PLANTED = true; console.log("planted runner");');`,
    { kind: "permission", permission: "write" },
  );
  await expectFailure(
    ex,
    `const runner = new URL(Deno.mainModule).pathname;
Deno.writeTextFileSync(runner.slice(0, runner.lastIndexOf("/")) + "/deno.json", hijack);`,
    { kind: "permission", permission: "write" },
  );
  // Its own working directory is writable: configs planted there must not be picked up.
  const planted = await expectOutput(
    ex,
    `Deno.writeTextFileSync("deno.json", hijack);\nDeno.writeTextFileSync("deno.lock", "{}");\n"planted"`,
  );
  assertEquals(planted.output, "planted");
  await expectFailure(ex, `Deno.exit(0);`, { kind: "crashed" });
  const next = await expectOutput(ex, `[typeof (globalThis as any).PLANTED, 1 + 1]`);
  assertEquals(next.output, ["undefined", 2]);
  await assertHostUnaffected(canary);
});

Deno.test("security: a sandbox granted read and write cannot reach another executor's directory", async () => {
  await using canary = await startCanary();
  await using victim = newExecutor({ authorizedImports: [] });
  const victimRunner = String((await victim.execute("new URL(Deno.mainModule).pathname")).output);
  const victimDir = victimRunner.slice(0, victimRunner.lastIndexOf("/"));
  await using attacker = newExecutor({ permissions: { read: true, write: true } });
  await attacker.sendVariables({ victimDir });
  await expectFailure(
    attacker,
    `const parent = victimDir.slice(0, victimDir.lastIndexOf("/"));\n[...Deno.readDirSync(parent)].map((e) => e.name)`,
    { kind: "permission", permission: "read" },
  );
  await expectFailure(
    attacker,
    `// Re-enable the victim's Cache API and plant a module in its cache.
Deno.removeSync(victimDir + "/deno_dir/location_data");
Deno.mkdirSync(victimDir + "/deno_dir/location_data");`,
    { kind: "permission", permission: "write" },
  );
  const still = await victim.execute("1 + 1");
  assertEquals(still.output, 2);
  await assertHostUnaffected(canary);
});

/**
 * Runs a host process whose temp dir is `tmp` and returns the real path of
 * its sandbox's runner (or the error it failed with).
 */
async function runnerRealPathWithTmp(tmp: string): Promise<string> {
  const script = `
import { DenoExecutor } from ${
    JSON.stringify(new URL("../../executors/deno_executor.ts", import.meta.url).href)
  };
const ex = new DenoExecutor({ onWarning: () => {} });
try {
  const { output } = await ex.execute("new URL(Deno.mainModule).pathname");
  console.log(Deno.realPathSync(String(output)));
} catch (e) {
  console.log("refused: " + (e as Error).message.split("\\n")[0]);
} finally {
  await ex.close();
}`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../../deno.json", import.meta.url).pathname, script],
    env: { TMPDIR: tmp },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("security: a sandboxes directory planted in /tmp by another user is not used", async (t) => {
  // Regression (finding F12): the predictable root name was trusted as found.
  const tmp = await Deno.makeTempDir({ prefix: "smoldeno-tmp-" });
  try {
    await t.step(
      "a symlink to an attacker's world-writable directory is not followed",
      async () => {
        const attacker = `${tmp}/attacker-owned`;
        await Deno.mkdir(attacker);
        await Deno.chmod(attacker, 0o777);
        await Deno.symlink(attacker, `${tmp}/smoldeno-sandboxes`);
        try {
          const got = await runnerRealPathWithTmp(tmp);
          assert(got.startsWith("/") || got.startsWith("refused: "), got);
          assert(!got.startsWith(Deno.realPathSync(attacker)), `the runner was placed in ${got}`);
        } finally {
          await Deno.remove(`${tmp}/smoldeno-sandboxes`);
        }
      },
    );

    await t.step("a world-writable sandboxes directory is not trusted", async () => {
      const root = `${tmp}/smoldeno-sandboxes`;
      await Deno.mkdir(root);
      await Deno.chmod(root, 0o777);
      const got = await runnerRealPathWithTmp(tmp);
      assert(got.startsWith("/") || got.startsWith("refused: "), got);
      if (got.startsWith(Deno.realPathSync(root))) {
        assertEquals((Deno.statSync(root).mode ?? 0) & 0o077, 0, "the root stayed world-writable");
      }
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("security: a deny list wins over a narrower grant inside it, which Deno alone lets through", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-deny-" });
  const file = `${dir}/secret.txt`;
  await Deno.writeTextFile(file, "s3cret");
  const probe = `${dir}/probe.ts`;
  await Deno.writeTextFile(probe, `console.log(Deno.readTextFileSync(${JSON.stringify(file)}));`);
  const warnings: string[] = [];
  const ex = newExecutor({
    permissions: { read: [file], write: [`${dir}/out.txt`], env: ["HOME"] },
    deny: { read: [dir], write: [dir], env: ["HOME"] },
    onWarning: (w) => warnings.push(w),
  });
  try {
    // The reason for the rule: in Deno the narrower flag wins, so
    // --allow-read=<dir>/secret.txt --deny-read=<dir> reads the file.
    const raw = await new Deno.Command(Deno.execPath(), {
      args: ["run", `--allow-read=${file},${probe}`, `--deny-read=${dir}`, "--no-config", probe],
      stdout: "piped",
      stderr: "null",
    }).output();
    assertEquals(new TextDecoder().decode(raw.stdout).trim(), "s3cret");

    await expectFailure(ex, `Deno.readTextFileSync(${JSON.stringify(file)})`, {
      kind: "permission",
      permission: "read",
    });
    await expectFailure(ex, `Deno.writeTextFileSync(${JSON.stringify(`${dir}/out.txt`)}, "x")`, {
      kind: "permission",
      permission: "write",
    });
    await expectFailure(ex, `Deno.env.get("HOME")`, { kind: "permission", permission: "env" });
    assert(
      warnings.some((w) => w.includes("is covered by a deny list: not granted")),
      warnings.join("\n"),
    );
  } finally {
    await ex.close();
    await Deno.remove(dir, { recursive: true });
  }
});
