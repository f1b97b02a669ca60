// Agentic RAG: a CodeAgent answers from a local corpus (the handbook of a
// made-up community orchard, examples/data/rag/) through a BM25 retriever
// tool. The agent writes its own search queries and searches again when the
// first results leave part of the question open. The index (MiniSearch, BM25+
// scoring) lives on the host; the sandbox only sees the passages returned.
//
//   deno run --allow-all examples/rag.ts
import { CodeAgent, type FunctionTool, tool } from "@smoldeno/agents";
import MiniSearch from "minisearch";
import { pickModel, printAnswer } from "./_model.ts";

/** One passage of the corpus: a markdown file. */
export interface Passage {
  /** The file name, e.g. `"cider_pressing.md"`: what answers cite. */
  source: string;
  /** The first `# ` heading. */
  title: string;
  /** The whole file. */
  text: string;
}

/** The orchard handbook shipped with this example. */
export const CORPUS_DIR: URL = new URL("./data/rag/", import.meta.url);

/** Reads every `.md` file of `dir` as one passage, sorted by file name. */
export async function loadCorpus(dir: URL = CORPUS_DIR): Promise<Passage[]> {
  const passages: Passage[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".md")) continue;
    const text = (await Deno.readTextFile(new URL(entry.name, dir))).trim();
    const title = /^#\s+(.+)$/m.exec(text)?.[1] ?? entry.name;
    passages.push({ source: entry.name, title, text });
  }
  return passages.sort((a, b) => a.source.localeCompare(b.source));
}

// Words so common that they only add noise to a small corpus.
const STOP_WORDS = new Set(
  ("a an and are as at be by can do does for from has have how i if in is it its may my of on or " +
    "our so that the their them then there they this to was we what when where which who why " +
    "will with you your")
    .split(" "),
);

/** Passages returned when the model does not say how many. */
export const DEFAULT_K = 3;

const RETRIEVER_INPUTS = {
  query: {
    type: "string",
    description: "Keywords or an affirmative sentence, e.g. 'winter pruning apple trees'",
  },
  k: {
    type: "integer",
    description: `How many passages to return, 1 to 10 (default ${DEFAULT_K})`,
    nullable: true,
  },
} as const;

/**
 * A `retriever` tool over `passages`: BM25+ keyword search (title words count
 * double, a query word also matches longer words it begins), returning the
 * top passages with their source file names and scores.
 */
export function createRetriever(
  passages: Passage[],
): FunctionTool<typeof RETRIEVER_INPUTS, "string"> {
  const index = new MiniSearch<Passage>({
    idField: "source",
    fields: ["title", "text"],
    storeFields: ["source", "title", "text"],
    processTerm: (term) => {
      const word = term.toLowerCase();
      return STOP_WORDS.has(word) ? null : word;
    },
    searchOptions: { boost: { title: 2 }, prefix: (term) => term.length > 3 },
  });
  index.addAll(passages);
  return tool({
    name: "retriever",
    description:
      "Searches the Marrow Creek Community Orchard handbook by keywords (BM25) and returns the " +
      "best-matching passages, each with its source file name. Phrase the query as keywords or a " +
      "statement close to the text you hope to find, not as a question.",
    inputs: RETRIEVER_INPUTS,
    outputType: "string",
    forward: ({ query, k }) => {
      const limit = k ?? DEFAULT_K;
      if (limit < 1 || limit > 10) throw new RangeError(`k must be between 1 and 10: got ${limit}`);
      const hits = index.search(query).slice(0, limit);
      if (hits.length === 0) {
        return `No passage matches "${query}": try other keywords`;
      }
      return `Retrieved ${hits.length} passage${hits.length === 1 ? "" : "s"} for "${query}":\n` +
        hits.map((hit, i) =>
          `\n===== ${i + 1}. ${hit.source} (score ${hit.score.toFixed(2)}) =====\n${hit.text}\n`
        ).join("");
    },
  });
}

// What a model wrote in a recorded session: a wrong argument name first, then
// a second, narrower search for the one fact the first passage pointed to.
const RECORDED_SESSION = [
  `Thought: I'll search the handbook for the cider pressing day first, and ask for a few extra passages.
<code>
const found = await retriever({ query: "cider pressing day", top_k: 5 });
console.log(found);
</code>`,
  `Thought: The tool has no "top_k" input; it is called "k". I'll retry with that.
<code>
const found = await retriever({ query: "cider pressing day", k: 3 });
console.log(found);
</code>`,
  `Thought: cider_pressing.md answers most of it: Pressing Day is the second Saturday of October, in the
barn, and anyone may bring apples washed and sorted into crates. Members press free, but non-members pay
"the press fee listed with the membership fees", and no passage so far gives the amount. I'll search the fees.
<code>
console.log(await retriever({ query: "press fee per crate membership fees" }));
</code>`,
  `Thought: membership_fees.md gives the amount: visitors who are not members pay £3 per crate. I have everything.
<code>
final_answer(
  "Yes. Anyone may press their own apples on Pressing Day, the second Saturday of October, in the " +
    "barn: bring them washed and sorted into crates, with clean bottles for the juice " +
    "(cider_pressing.md). As a non-member you pay £3 per crate of apples; members press free " +
    "(membership_fees.md, cider_pressing.md).",
);
</code>`,
];

if (import.meta.main) {
  const passages = await loadCorpus();
  const { model } = await pickModel(RECORDED_SESSION);
  await using agent = new CodeAgent({
    model,
    tools: [createRetriever(passages)],
    maxSteps: 6,
  });
  printAnswer(
    await agent.run(
      "I'm not a member of the Marrow Creek orchard. Can I press my own apples there, when, and " +
        "what would it cost me? Answer from the orchard handbook and cite the files you used.",
    ),
  );
}
