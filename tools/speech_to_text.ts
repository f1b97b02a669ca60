/**
 * `transcriber`: speech to text through Hugging Face inference.
 *
 * @module
 */
import type { AudioValue } from "../src/media.ts";
import { BaseTool, type ToolArgs, type ToolCallOptions } from "../src/tool.ts";
import { boundedFetch, USER_AGENT } from "./_http.ts";
import { readEnv } from "./_text.ts";

/** The inputs of {@linkcode SpeechToTextTool}. */
export type SpeechToTextToolInputs = {
  /** The `audio` argument. */
  audio: { type: readonly ["audio", "string"]; description: string };
};

const inputs: SpeechToTextToolInputs = {
  audio: {
    type: ["audio", "string"],
    description:
      "The audio to transcribe: an audio value, a local audio file path, or an http(s) URL",
  },
};

const AUDIO_FILE = /\.(wav|mp3|flac|ogg|oga|opus|m4a|aac|webm|mp4)$/i;

/** Options of {@linkcode SpeechToTextTool}. */
export interface SpeechToTextToolOptions {
  /** The ASR model. Default `"openai/whisper-large-v3-turbo"`. */
  model?: string;
  /** Inference provider, e.g. `"hf-inference"` or `"fal-ai"`. Default: the client's choice. */
  provider?: string;
  /** Hugging Face token. Default: the `HF_TOKEN` environment variable. */
  token?: string;
  /**
   * A dedicated endpoint (an Inference Endpoint, a TGI/whisper server, or a
   * local test server) that speaks the Hugging Face ASR wire format.
   */
  endpointUrl?: string;
  /** Bytes of audio accepted at most. Default 25 MB. */
  maxAudioBytes?: number;
}

/**
 * Transcribes speech with a Hugging Face ASR model (Whisper by default)
 * through `@huggingface/inference`, which is loaded only when the tool first
 * runs. The audio is an {@linkcode AudioValue}, the path of a local audio file,
 * or a URL.
 *
 * @example
 * ```ts
 * import { SpeechToTextTool } from "@smoldeno/agents/tools";
 *
 * const transcriber = new SpeechToTextTool({ token: "hf_example" });
 * console.log(transcriber.name); // "transcriber"
 * ```
 */
export class SpeechToTextTool extends BaseTool<SpeechToTextToolInputs, "string"> {
  /** The ASR model used. */
  readonly model: string;
  #options: SpeechToTextToolOptions;
  #maxBytes: number;

  /** Creates the tool. */
  constructor(options: SpeechToTextToolOptions = {}) {
    super({
      name: "transcriber",
      description: "Transcribes spoken audio into text.",
      inputs,
      outputType: "string",
    });
    this.model = options.model ?? "openai/whisper-large-v3-turbo";
    this.#options = options;
    this.#maxBytes = options.maxAudioBytes ?? 25_000_000;
  }

  /** Sends the audio to the model. */
  protected async forward(
    { audio }: ToolArgs<SpeechToTextToolInputs>,
    { signal }: ToolCallOptions,
  ): Promise<string> {
    const blob = await this.#load(audio, signal);
    const token = this.#options.token ?? readEnv("HF_TOKEN");
    if (!token && !this.#options.endpointUrl) {
      throw new Error(
        "Cannot transcribe: no Hugging Face token; set HF_TOKEN or give SpeechToTextTool a `token`",
      );
    }
    // Loaded here so importing the toolbox does not pull the inference client in.
    const { InferenceClient } = await import("@huggingface/inference");
    const client = new InferenceClient(
      token,
      this.#options.endpointUrl ? { endpointUrl: this.#options.endpointUrl } : {},
    );
    const result = await client.automaticSpeechRecognition(
      {
        model: this.model,
        data: blob,
        ...(this.#options.provider ? { provider: this.#options.provider as "hf-inference" } : {}),
      },
      // No blind retries on 503 ("model loading"): the model sees the error and decides.
      { signal, retry_on_error: false },
    );
    return result.text.trim();
  }

  async #load(audio: string | AudioValue, signal?: AbortSignal): Promise<Blob> {
    if (typeof audio !== "string") {
      this.#checkSize(audio.data.byteLength);
      return new Blob([audio.data as Uint8Array<ArrayBuffer>], { type: audio.mimeType });
    }
    if (/^https?:\/\//i.test(audio)) {
      const response = await boundedFetch(audio, {
        headers: { "user-agent": USER_AGENT },
        timeoutMs: 60_000,
        maxRedirects: 5,
        maxBytes: this.#maxBytes + 1,
        blockPrivateHosts: true,
        signal,
      });
      if (response.status !== 200) {
        throw new Error(`Cannot download the audio at "${audio}": HTTP ${response.status}`);
      }
      this.#checkSize(response.body.byteLength);
      return new Blob([response.body as Uint8Array<ArrayBuffer>], {
        type: response.headers.get("content-type") ?? "",
      });
    }
    // The tool runs on the host: only audio files may be read, so a prompt
    // injection cannot ship arbitrary files to the inference provider.
    if (!AUDIO_FILE.test(audio)) {
      throw new Error(
        `Cannot transcribe "${audio}": give an audio value, an http(s) URL, or a path ending in .wav, .mp3, .flac, .ogg, .m4a, .webm…`,
      );
    }
    const info = await Deno.stat(audio);
    this.#checkSize(info.size);
    return new Blob([await Deno.readFile(audio, { signal })]);
  }

  #checkSize(bytes: number): void {
    if (bytes > this.#maxBytes) {
      throw new Error(
        `Cannot transcribe: the audio is ${bytes} bytes, more than the ${this.#maxBytes}-byte limit`,
      );
    }
  }
}
