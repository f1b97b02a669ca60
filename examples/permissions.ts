// What the sandbox may do is exactly what you grant. The first agent's code
// tries to fetch a page and is denied (no permissions by default); the second
// agent is granted that one host and succeeds.
//
//   deno run --allow-all examples/permissions.ts
import { CodeAgent } from "@smoldeno/agents";
import { pickModel, printAnswer } from "./_model.ts";

// A local page, so the example needs no internet.
await using server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  () => new Response("The secret word is: kumquat"),
);
const host = `127.0.0.1:${server.addr.port}`;
const task = `Fetch http://${host}/ and tell me the secret word it contains.`;
const fetchCode =
  `Thought: I'll fetch the page.\n<code>\nconst text = await (await fetch("http://${host}/")).text();\nconsole.log(text);\n</code>`;

const { model } = await pickModel([
  // Run 1: denied, and the model says so.
  fetchCode,
  'Thought: The sandbox has no network access, so I cannot fetch the page.\n<code>\nfinal_answer("I may not access the network here.");\n</code>',
  // Run 2: granted.
  fetchCode,
  'Thought: The page says the word.\n<code>\nfinal_answer(text.split(": ")[1]);\n</code>',
]);

{
  await using denied = new CodeAgent({ model, maxSteps: 3 });
  console.error(`Without permissions: ${await denied.run(task)}\n`);
}

// Loopback is private: it must be listed explicitly, `net: true` would not reach it.
await using granted = new CodeAgent({ model, maxSteps: 3, permissions: { net: [host] } });
printAnswer(await granted.run(task));
