// Writes a tiny but valid GGUF llama model for the LlamaCppModel tests, as
// no package reachable here ships one. Its one transformer block has zero
// attention and feed-forward weights, so the residual stream carries the
// current token's one-hot embedding straight to the output layer: the model
// is a bigram table. That makes it deterministic and scriptable ("after
// <|assistant|> say ▁Hello, then ▁world, then !, then <|end|>"), while
// llama.cpp still runs the whole real pipeline on it: GGUF loading, the
// tokenizer, the chat template from the file, sampling, grammars.

const N_EMBD = 384; // = vocabulary size, so that each token has its own dimension
const N_HEAD = 6;
const N_FF = 32;

/** The chat template stored in the file (Jinja, as in real models). */
export const CHAT_TEMPLATE =
  "{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}<|end|>" +
  "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";

/** What the model says after the template's `<|assistant|>`: " Hello world!". */
export const SCRIPTED_REPLY = ["▁Hello", "▁world", "!"];

interface Vocab {
  tokens: string[];
  types: number[];
  id: Map<string, number>;
}

function vocabulary(): Vocab {
  const tokens: string[] = [];
  const types: number[] = [];
  const add = (text: string, type: number) => {
    tokens.push(text);
    types.push(type);
  };
  add("<unk>", 2);
  add("<s>", 3);
  add("</s>", 3);
  for (const special of ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]) add(special, 3);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, 6);
  for (let c = 33; c < 127; c++) add(String.fromCharCode(c), 1);
  add("▁", 1);
  for (const word of ["▁Hello", "▁world", "▁the", "▁answer"]) add(word, 1);
  for (let i = 0; tokens.length < N_EMBD; i++) add(`▁filler${i}`, 1);
  return { tokens, types, id: new Map(tokens.map((t, i) => [t, i])) };
}

/**
 * The bigram scores: `next` gives the favourite follower of some tokens; a
 * base bias ranks the rest, so that under a grammar the model closes strings
 * and objects soon (`"` first, then `}`), and ends its turn after them.
 */
function outputWeights(vocab: Vocab, loop: boolean): Float32Array {
  const id = (token: string) => vocab.id.get(token)!;
  const bias = new Float32Array(N_EMBD);
  const prefer: [string, number][] = [
    ['"', 6],
    ["}", 5],
    ["<|end|>", 4.5],
    ["]", 4],
    ["{", 3],
    ["0", 2],
  ];
  for (const [token, score] of prefer) bias[id(token)] = score;
  for (let b = 0; b < 256; b++) bias[3 + 4 + b] = -4; // bytes (whitespace, newlines) last
  bias[id("▁")] = -4;
  const next: [string, string][] = [
    ["<|assistant|>", SCRIPTED_REPLY[0]],
    [SCRIPTED_REPLY[0], SCRIPTED_REPLY[1]],
    ...(loop ? [[SCRIPTED_REPLY[1], SCRIPTED_REPLY[0]] as [string, string]] : [
      [SCRIPTED_REPLY[1], SCRIPTED_REPLY[2]] as [string, string],
      [SCRIPTED_REPLY[2], "<|end|>"] as [string, string],
    ]),
  ];
  const scale = 1 / Math.sqrt(N_EMBD); // RMSNorm turns a one-hot into sqrt(n) · one-hot
  const weights = new Float32Array(N_EMBD * N_EMBD); // row j: the scores of token j
  for (let j = 0; j < N_EMBD; j++) {
    for (let t = 0; t < N_EMBD; t++) weights[j * N_EMBD + t] = bias[j] * scale;
  }
  for (const [from, to] of next) weights[id(to) * N_EMBD + id(from)] += 20 * scale;
  return weights;
}

class Writer {
  #chunks: Uint8Array[] = [];
  #length = 0;
  readonly #encoder = new TextEncoder();

  get length(): number {
    return this.#length;
  }

  bytes(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
  }

  #number(size: number, set: (view: DataView) => void): void {
    const bytes = new Uint8Array(size);
    set(new DataView(bytes.buffer));
    this.bytes(bytes);
  }

  u32(value: number): void {
    this.#number(4, (v) => v.setUint32(0, value, true));
  }
  i32(value: number): void {
    this.#number(4, (v) => v.setInt32(0, value, true));
  }
  u64(value: number): void {
    this.#number(8, (v) => v.setBigUint64(0, BigInt(value), true));
  }
  f32(value: number): void {
    this.#number(4, (v) => v.setFloat32(0, value, true));
  }
  u8(value: number): void {
    this.bytes(new Uint8Array([value]));
  }
  string(text: string): void {
    const bytes = this.#encoder.encode(text);
    this.u64(bytes.length);
    this.bytes(bytes);
  }
  pad(alignment: number): void {
    const rest = this.#length % alignment;
    if (rest) this.bytes(new Uint8Array(alignment - rest));
  }

  result(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

type Value =
  | { u32: number }
  | { f32: number }
  | { bool: boolean }
  | { string: string }
  | { strings: string[] }
  | { f32s: number[] }
  | { i32s: number[] };

function writeValue(w: Writer, value: Value): void {
  if ("u32" in value) (w.u32(4), w.u32(value.u32));
  else if ("f32" in value) (w.u32(6), w.f32(value.f32));
  else if ("bool" in value) (w.u32(7), w.u8(value.bool ? 1 : 0));
  else if ("string" in value) (w.u32(8), w.string(value.string));
  else if ("strings" in value) {
    w.u32(9), w.u32(8), w.u64(value.strings.length);
    for (const s of value.strings) w.string(s);
  } else if ("f32s" in value) {
    w.u32(9), w.u32(6), w.u64(value.f32s.length);
    for (const f of value.f32s) w.f32(f);
  } else {
    w.u32(9), w.u32(5), w.u64(value.i32s.length);
    for (const i of value.i32s) w.i32(i);
  }
}

/**
 * The bytes of the test model: a GGUF v3 file of about 2.5 MB. With
 * `loop`, it never ends its turn: " Hello world Hello world…".
 */
export function tinyLlamaGguf(options: { loop?: boolean } = {}): Uint8Array {
  const vocab = vocabulary();
  const metadata: [string, Value][] = [
    ["general.architecture", { string: "llama" }],
    ["general.name", { string: "smoldeno-bigram-test" }],
    ["general.file_type", { u32: 0 }],
    ["general.alignment", { u32: 32 }],
    ["llama.context_length", { u32: 2048 }],
    ["llama.embedding_length", { u32: N_EMBD }],
    ["llama.block_count", { u32: 1 }],
    ["llama.feed_forward_length", { u32: N_FF }],
    ["llama.attention.head_count", { u32: N_HEAD }],
    ["llama.attention.head_count_kv", { u32: N_HEAD }],
    ["llama.attention.layer_norm_rms_epsilon", { f32: 1e-5 }],
    ["llama.rope.dimension_count", { u32: N_EMBD / N_HEAD }],
    ["tokenizer.ggml.model", { string: "llama" }],
    ["tokenizer.ggml.tokens", { strings: vocab.tokens }],
    ["tokenizer.ggml.scores", { f32s: vocab.tokens.map(() => 0) }],
    ["tokenizer.ggml.token_type", { i32s: vocab.types }],
    ["tokenizer.ggml.bos_token_id", { u32: 1 }],
    ["tokenizer.ggml.eos_token_id", { u32: vocab.id.get("<|end|>")! }],
    ["tokenizer.ggml.unknown_token_id", { u32: 0 }],
    ["tokenizer.ggml.add_bos_token", { bool: true }],
    ["tokenizer.chat_template", { string: CHAT_TEMPLATE }],
  ];

  const embeddings = new Float32Array(N_EMBD * N_EMBD);
  for (let t = 0; t < N_EMBD; t++) embeddings[t * N_EMBD + t] = 1;
  const ones = new Float32Array(N_EMBD).fill(1);
  const tensors: [string, number[], Float32Array][] = [
    ["token_embd.weight", [N_EMBD, N_EMBD], embeddings],
    ["output_norm.weight", [N_EMBD], ones],
    ["output.weight", [N_EMBD, N_EMBD], outputWeights(vocab, options.loop ?? false)],
    ["blk.0.attn_norm.weight", [N_EMBD], ones],
    ["blk.0.attn_q.weight", [N_EMBD, N_EMBD], new Float32Array(N_EMBD * N_EMBD)],
    ["blk.0.attn_k.weight", [N_EMBD, N_EMBD], new Float32Array(N_EMBD * N_EMBD)],
    ["blk.0.attn_v.weight", [N_EMBD, N_EMBD], new Float32Array(N_EMBD * N_EMBD)],
    ["blk.0.attn_output.weight", [N_EMBD, N_EMBD], new Float32Array(N_EMBD * N_EMBD)],
    ["blk.0.ffn_norm.weight", [N_EMBD], ones],
    ["blk.0.ffn_gate.weight", [N_EMBD, N_FF], new Float32Array(N_EMBD * N_FF)],
    ["blk.0.ffn_up.weight", [N_EMBD, N_FF], new Float32Array(N_EMBD * N_FF)],
    ["blk.0.ffn_down.weight", [N_FF, N_EMBD], new Float32Array(N_EMBD * N_FF)],
  ];

  const w = new Writer();
  w.bytes(new TextEncoder().encode("GGUF"));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(metadata.length);
  for (const [key, value] of metadata) {
    w.string(key);
    writeValue(w, value);
  }
  let offset = 0;
  for (const [name, dims, data] of tensors) {
    w.string(name);
    w.u32(dims.length);
    for (const dim of dims) w.u64(dim);
    w.u32(0); // F32
    w.u64(offset);
    offset += Math.ceil(data.byteLength / 32) * 32;
  }
  w.pad(32);
  for (const [, , data] of tensors) {
    w.bytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    w.pad(32);
  }
  return w.result();
}
