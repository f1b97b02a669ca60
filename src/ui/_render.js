// Renders the session's messages into the page as they arrive. Everything
// the agent, the model or a tool produced is untrusted: it reaches the DOM
// as text nodes, through the Markdown tree builder, or as a `data:` URL of
// an image or sound; never as HTML.

import { renderMarkdown } from "./_markdown.js";
import { tokenLines } from "./_highlight.js";

/**
 * Creates an element with classes and children (strings become text nodes).
 *
 * @param {string} tag
 * @param {string} [className]
 * @param {...(Node | string | null | undefined)} children
 * @returns {HTMLElement}
 */
export function h(tag, className, ...children) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  for (const child of children) if (child !== null && child !== undefined) el.append(child);
  return el;
}

/** Seconds or milliseconds, for step meta. */
function formatDuration(ms) {
  if (typeof ms !== "number") return "";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function formatTokens(usage) {
  if (!usage || typeof usage.inputTokens !== "number") return "";
  return `${usage.inputTokens.toLocaleString("en")} in · ${
    usage.outputTokens.toLocaleString("en")
  } out tokens`;
}

function errorText(error) {
  if (!error || typeof error !== "object") return String(error);
  const kind = error.kind ? ` (${error.kind})` : "";
  const extra = error.toolName ? ` [tool ${error.toolName}]` : "";
  return `${error.name ?? "Error"}${kind}${extra}: ${error.message ?? ""}`;
}

// The thought shown for a CodeAgent reply: the code block is shown on its own.
function thoughtOf(content) {
  return String(content ?? "").replace(/<code>[\s\S]*?(?:<\/code>|$)/g, "").trim();
}

function isMedia(v) {
  return v !== null && typeof v === "object" && (v.$media === "image" || v.$media === "audio");
}

/**
 * A value from the agent: media shown or playable, strings as text (or
 * Markdown), anything else as JSON.
 *
 * @param {unknown} value
 * @param {{ markdown?: boolean }} [options]
 * @returns {HTMLElement}
 */
export function renderValue(value, options = {}) {
  if (isMedia(value)) return renderMedia(value);
  if (value !== null && typeof value === "object" && typeof value.$bytes === "number") {
    return h("span", "muted", `(${value.$bytes} bytes)`);
  }
  if (typeof value === "string") {
    return options.markdown
      ? h("div", "md", renderMarkdown(value, document))
      : h("pre", "text", value);
  }
  const media = [];
  const json = JSON.stringify(value, (_k, v) => {
    if (isMedia(v)) {
      media.push(v);
      return `[${v.$media} ${media.length}]`;
    }
    return v;
  }, 2);
  const box = h("div", "value", h("pre", "text", json ?? String(value)));
  for (const m of media) box.append(renderMedia(m));
  return box;
}

function renderMedia(m) {
  if (typeof m.src !== "string" || !m.src.startsWith(`data:${m.$media}/`)) {
    return h("span", "muted", `(${m.$media} ${m.mimeType ?? ""}: ${m.omitted ?? "not shown"})`);
  }
  if (m.$media === "image") {
    const img = h("img", "media");
    img.alt = `image (${m.mimeType})`;
    img.src = m.src;
    return img;
  }
  const audio = h("audio", "media");
  audio.controls = true;
  audio.src = m.src;
  return audio;
}

/** A code view: line numbers, simple highlighting, a copy button. */
export function codeView(code, label = "TypeScript") {
  const pre = h("pre", "code");
  const body = h("code");
  tokenLines(code).forEach((line, i) => {
    const src = h("span", "src");
    for (const token of line) {
      src.append(token.type === "plain" ? token.text : h("span", `tok-${token.type}`, token.text));
    }
    const ln = h("span", "ln", String(i + 1));
    ln.setAttribute("aria-hidden", "true");
    body.append(h("span", "line", ln, src, "\n"));
  });
  pre.append(body);
  const copy = h("button", "small copy", "Copy");
  copy.type = "button";
  copy.addEventListener("click", () => copyText(code, copy));
  return h("figure", "code-block", h("figcaption", "", h("span", "muted", label), copy), pre);
}

async function copyText(text, button) {
  try {
    if (navigator.clipboard && globalThis.isSecureContext) {
      await navigator.clipboard.writeText(text);
    } else {
      // Plain http on another host: no Clipboard API, the old way works.
      const area = h("textarea", "offscreen");
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    button.textContent = "Copied";
  } catch {
    button.textContent = "Copy failed";
  }
  setTimeout(() => (button.textContent = "Copy"), 1500);
}

/** One action step of a run. */
class StepView {
  constructor(run, stepNumber) {
    this.run = run;
    this.stepNumber = stepNumber;
    this.meta = h("span", "meta");
    this.title = h("span", "title", `Step ${stepNumber}`);
    this.body = h("div", "step-body");
    this.el = h("section", "step", h("header", "", this.title, this.meta), this.body);
    this.el.dataset.step = String(stepNumber);
    this.text = undefined;
    this.tools = new Map();
  }

  streamed(text) {
    if (!this.text) {
      this.text = h("div", "model-text streaming");
      this.body.append(this.text);
    }
    this.text.append(text);
  }

  modelOutput(content, agentIsCode) {
    const shown = agentIsCode ? thoughtOf(content) : String(content ?? "").trim();
    if (!this.text) {
      this.text = h("div", "model-text");
      this.body.append(this.text);
    }
    this.text.className = "model-text md";
    this.text.replaceChildren(renderMarkdown(shown, document));
    if (!shown) this.text.hidden = true;
  }

  add(el) {
    this.body.append(el);
    return el;
  }
}

/**
 * The view of one agent run: the top-level run of a task, or a managed
 * agent's run nested under its manager's step.
 */
export class RunView {
  /**
   * @param {HTMLElement} el where the run's steps go
   * @param {{ status?: (text: string) => void, depth?: number }} hooks
   */
  constructor(el, hooks = {}) {
    this.el = el;
    this.hooks = hooks;
    this.depth = hooks.depth ?? 0;
    this.steps = new Map();
    this.planning = new Map();
    this.nested = new Map();
    this.code = false;
    this.ended = false;
  }

  step(n) {
    let step = this.steps.get(n);
    if (!step) {
      step = new StepView(this, n);
      this.steps.set(n, step);
      this.el.append(step.el);
    }
    return step;
  }

  plan(n) {
    let view = this.planning.get(n);
    if (!view) {
      const text = h("div", "model-text streaming");
      const meta = h("span", "meta");
      const el = h(
        "section",
        "planning",
        h("header", "", h("span", "title", n === 1 ? "Plan" : `Plan update`), meta),
        text,
      );
      view = { el, text, meta };
      this.planning.set(n, view);
      this.el.append(el);
    }
    return view;
  }

  fallback() {
    this.fallbackView ??= (() => {
      const text = h("div", "model-text streaming");
      const el = h(
        "section",
        "step fallback",
        h("header", "", h("span", "title", "Step limit reached: best answer")),
        text,
      );
      this.el.append(el);
      return { el, text };
    })();
    return this.fallbackView;
  }

  /** Renders one agent event. */
  handle(e) {
    switch (e.type) {
      case "run_start":
        if (this.depth > 0) {
          this.el.append(h("div", "nested-task", h("span", "muted", "Task: "), String(e.task)));
        }
        break;
      case "step_start":
        this.step(e.stepNumber);
        if (this.depth === 0) this.hooks.status?.(`Running step ${e.stepNumber}…`);
        break;
      case "model_stream_delta": {
        const text = e.delta?.content;
        if (typeof text !== "string" || text === "") break;
        if (e.phase === "planning") this.plan(e.stepNumber).text.append(text);
        else if (e.phase === "final_answer") this.fallback().text.append(text);
        else this.step(e.stepNumber).streamed(text);
        break;
      }
      case "model_output":
        if (e.phase === "final_answer") {
          const view = this.fallback();
          view.text.className = "model-text md";
          view.text.replaceChildren(renderMarkdown(String(e.content ?? ""), document));
        } else {
          this.step(e.stepNumber).modelOutput(e.content, this.code || /<code>/.test(e.content));
          if (Array.isArray(e.toolCalls) && e.toolCalls.length === 0) break;
        }
        break;
      case "planning": {
        const view = this.plan(e.stepNumber);
        view.text.className = "model-text md";
        view.text.replaceChildren(renderMarkdown(String(e.plan ?? ""), document));
        view.meta.textContent = [formatDuration(e.timing?.duration), formatTokens(e.tokenUsage)]
          .filter(Boolean).join(" · ");
        break;
      }
      case "code_action":
        this.code = true;
        this.step(e.stepNumber).add(codeView(String(e.code ?? "")));
        break;
      case "code_output": {
        const step = this.step(e.stepNumber);
        if (e.logs) step.add(h("div", "logs", h("div", "label", "Logs"), h("pre", "text", e.logs)));
        if (!e.isFinalAnswer && e.output !== null && e.output !== undefined) {
          step.add(h("div", "output", h("div", "label", "Output"), renderValue(e.output)));
        }
        break;
      }
      case "tool_call": {
        const step = this.step(e.stepNumber);
        const args = typeof e.arguments === "string"
          ? e.arguments
          : JSON.stringify(e.arguments ?? {}, null, 1).replace(/\n\s*/g, " ");
        const result = h("div", "tool-result");
        const el = step.add(
          h(
            "div",
            "tool-call",
            h(
              "div",
              "call",
              h("span", "tool-name", String(e.name)),
              h("span", "args", `(${args})`),
            ),
            result,
          ),
        );
        el.dataset.tool = String(e.name);
        step.tools.set(e.id, { el, result, name: e.name });
        break;
      }
      case "tool_result": {
        const step = this.step(e.stepNumber);
        let call = step.tools.get(e.id);
        if (!call) {
          this.handle({ ...e, type: "tool_call", arguments: "" });
          call = step.tools.get(e.id);
        }
        if (e.error) call.result.append(h("div", "error", errorText(e.error)));
        else if (e.output !== undefined) call.result.append(renderValue(e.output));
        else call.result.append(h("pre", "text", String(e.observation ?? "")));
        break;
      }
      case "observation": {
        const details = h("details", "observation", h("summary", "", "What the model reads next"));
        details.append(h("pre", "text", String(e.observation ?? "")));
        this.step(e.stepNumber).add(details);
        break;
      }
      case "error":
        this.step(e.stepNumber).add(h("div", "error", errorText(e.error)));
        break;
      case "step_end": {
        const step = this.step(e.stepNumber);
        step.meta.textContent = [formatDuration(e.timing?.duration), formatTokens(e.tokenUsage)]
          .filter(Boolean).join(" · ");
        if (step.text) step.text.classList.remove("streaming");
        break;
      }
      case "final_answer":
        this.el.append(
          h(
            "section",
            "final",
            h("header", "", h("span", "title", "Final answer")),
            renderValue(e.output, { markdown: true }),
          ),
        );
        break;
      case "run_end": {
        this.ended = true;
        const parts = [
          e.state === "success"
            ? "Done"
            : e.state === "max_steps_error"
            ? "Reached the step limit"
            : e.state === "interrupted"
            ? "Stopped"
            : e.state === "budget_exceeded"
            ? `Stopped at its budget${e.budgetStop ? ` (${e.budgetStop.limit})` : ""}`
            : String(e.state),
          `${e.stepCount} step${e.stepCount === 1 ? "" : "s"}`,
          formatDuration(e.timing?.duration),
          formatTokens(e.tokenUsage),
        ];
        this.el.append(h("div", "run-summary muted", parts.filter(Boolean).join(" · ")));
        break;
      }
      case "managed_agent_event":
        this.nestedRun(e.stepNumber, String(e.agentName), e.event?.type === "run_start")
          .handle(e.event ?? {});
        break;
      default:
        this.el.append(h("div", "muted small", `(${String(e.type)} event)`));
    }
  }

  // The view of a managed agent's run during step `n`: a box in that step,
  // inside the tool call that started it when one is shown already.
  nestedRun(n, name, starting) {
    const key = `${n}:${name}`;
    let view = this.nested.get(key);
    if (!view || (starting && view.ended)) {
      const step = this.step(n);
      const box = h("div", "nested");
      const el = h("details", "managed", h("summary", "", h("span", "tool-name", name)), box);
      el.open = true;
      el.dataset.agent = name;
      const call = [...step.tools.values()].reverse().find((c) => c.name === name && !c.nested);
      if (call) {
        call.nested = true;
        call.el.insertBefore(el, call.result);
      } else step.add(el);
      view = new RunView(box, { ...this.hooks, depth: this.depth + 1 });
      this.nested.set(key, view);
    }
    return view;
  }
}

/** One task and its run in the chat log. */
export class TurnView {
  constructor(log, message, hooks) {
    this.runId = message.runId;
    const task = h("div", "task-text", String(message.task));
    const rerun = h("button", "small rerun", "Re-run");
    rerun.type = "button";
    rerun.title = "Run this task again";
    rerun.addEventListener("click", () => hooks.rerun?.(String(message.task)));
    const files = h("div", "files");
    for (const f of message.files ?? []) {
      files.append(h("span", "chip", `${f.kind === "image" ? "🖼" : "📄"} ${f.name}`));
    }
    this.runEl = h("div", "run");
    this.status = h("div", "turn-status");
    this.el = h(
      "article",
      "turn",
      h("div", "user", h("div", "bubble", task, files), rerun),
      this.runEl,
      this.status,
    );
    this.el.dataset.run = String(message.runId);
    this.run = new RunView(this.runEl, hooks);
    log.append(this.el);
  }

  finish(message) {
    this.el.dataset.outcome = message.outcome;
    if (message.outcome === "stopped") {
      this.status.append(h("div", "stopped", "Stopped: the run was interrupted from the page"));
    } else if (message.outcome === "failed") {
      this.status.append(h("div", "error", `The run failed: ${errorText(message.error)}`));
    }
  }
}
