import { assertEquals, assertStringIncludes } from "../_assert.ts";
import { UserInputTool } from "../../tools/mod.ts";

const script = new URL("../../tools/mod.ts", import.meta.url).href;
const program = `
import { UserInputTool } from "${script}";
try {
  console.log("ANSWER:" + await new UserInputTool().call({ question: "Which city?" }));
} catch (error) {
  console.log("ERROR:" + error.message);
}
`;

async function runChild(
  stdin: "null" | "piped",
  input?: string,
): Promise<{ stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", program],
    stdin,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin === "piped") {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(input ?? ""));
    await writer.close();
  }
  const out = await child.output();
  return {
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("UserInputTool fails clearly in a subprocess whose stdin is closed", async () => {
  const { stdout } = await runChild("null");
  assertStringIncludes(stdout, "ERROR:");
  assertStringIncludes(stdout, "standard input is not a terminal");
});

Deno.test("UserInputTool fails clearly in a subprocess whose stdin is a pipe", async () => {
  const { stdout } = await runChild("piped", "Paris\n");
  assertStringIncludes(stdout, "standard input is not a terminal");
});

Deno.test("UserInputTool asks on a real terminal and returns the typed line", {
  ignore: Deno.build.os !== "linux" || !hasScript(),
}, async () => {
  // `script` gives the child a pseudo-terminal, so this is the real terminal path.
  const child = new Deno.Command("script", {
    args: [
      "-qec",
      `${Deno.execPath()} eval --quiet '${program.replaceAll("'", "'\\''")}'`,
      "/dev/null",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  // Typed after the question is shown; the pty echoes it back.
  await new Promise((r) => setTimeout(r, 500));
  await writer.write(new TextEncoder().encode("Lyon\n"));
  const out = await child.output().finally(() => writer.close().catch(() => {}));
  const text = new TextDecoder().decode(out.stdout);
  assertStringIncludes(text, "Which city?");
  assertStringIncludes(text, "ANSWER:Lyon");
});

Deno.test("UserInputTool uses a custom readAnswer and passes the question", async () => {
  const asked: string[] = [];
  const tool = new UserInputTool({
    readAnswer: (question) => {
      asked.push(question);
      return Promise.resolve("blue");
    },
  });
  assertEquals(await tool.call({ question: "Favourite colour?" }), "blue");
  assertEquals(asked, ["Favourite colour?"]);
});

function hasScript(): boolean {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}
