import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import { AgentToolExecutionError } from "../../src/errors.ts";
import { audioValue } from "../../src/media.ts";
import { SpeechToTextTool } from "../../tools/mod.ts";
import { json, serveFixtures } from "./_web_server.ts";

// A RIFF/WAVE header is enough for the client: the server below reads bytes, not sound.
const WAV = new Uint8Array([
  0x52,
  0x49,
  0x46,
  0x46,
  0x24,
  0,
  0,
  0,
  0x57,
  0x41,
  0x56,
  0x45,
  1,
  2,
  3,
  4,
]);

function asrServer() {
  // The Hugging Face ASR wire format: raw audio bytes in, `{ "text": … }` out.
  return serveFixtures({
    "/asr": () => json('{"text":" The quick brown fox jumps over the lazy dog. "}'),
    "/loading": () =>
      json(
        '{"error":"Model openai/whisper-large-v3-turbo is currently loading","estimated_time":20}',
        503,
      ),
  });
}

Deno.test("SpeechToTextTool sends the audio bytes with the token through @huggingface/inference and returns the text", async () => {
  await using server = asrServer();
  const transcriber = new SpeechToTextTool({
    token: "hf_test_token",
    endpointUrl: `${server.origin}/asr`,
  });
  const text = await transcriber.call({ audio: audioValue(WAV, { mimeType: "audio/wav" }) });
  assertEquals(text, "The quick brown fox jumps over the lazy dog.");
  const request = server.requests[0];
  assertEquals(request.method, "POST");
  assertEquals(request.headers.get("authorization"), "Bearer hf_test_token");
  assertEquals(request.headers.get("content-type"), "audio/wav");
});

Deno.test("SpeechToTextTool reads a local audio file given by path", async () => {
  await using server = asrServer();
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/note.wav`, WAV);
    const transcriber = new SpeechToTextTool({
      token: "hf_x",
      endpointUrl: `${server.origin}/asr`,
    });
    assertStringIncludes(await transcriber.call({ audio: `${dir}/note.wav` }), "quick brown fox");
    assertEquals(server.requests[0].body.length > 0, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SpeechToTextTool refuses paths that are not audio files", async () => {
  const transcriber = new SpeechToTextTool({ token: "hf_x", endpointUrl: "http://127.0.0.1:9/" });
  const error = await assertRejects(
    () => transcriber.call({ audio: "/etc/passwd" }),
    AgentToolExecutionError,
  );
  assertStringIncludes(error.message, 'Cannot transcribe "/etc/passwd"');
});

Deno.test("SpeechToTextTool reports a provider error without leaking the token", async () => {
  await using server = asrServer();
  const transcriber = new SpeechToTextTool({
    token: "hf_secret_value",
    endpointUrl: `${server.origin}/loading`,
  });
  const error = await assertRejects(
    () => transcriber.call({ audio: audioValue(WAV, { mimeType: "audio/wav" }) }),
    AgentToolExecutionError,
  );
  assertStringIncludes(error.message, "currently loading");
  assert(!error.message.includes("hf_secret_value"));
});

Deno.test("SpeechToTextTool without a token or endpoint says to set HF_TOKEN", async () => {
  const saved = Deno.env.get("HF_TOKEN");
  Deno.env.delete("HF_TOKEN");
  try {
    const error = await assertRejects(
      () => new SpeechToTextTool().call({ audio: audioValue(WAV, { mimeType: "audio/wav" }) }),
      AgentToolExecutionError,
    );
    assertStringIncludes(error.message, "set HF_TOKEN");
  } finally {
    if (saved !== undefined) Deno.env.set("HF_TOKEN", saved);
  }
});
