// Simple TypeScript highlighting for the page: a tokenizer, no DOM. Tokens
// become text inside <span>s, never markup, so code shows exactly as written.

const KEYWORDS = new Set(
  ("abstract as async await break case catch class const continue debugger declare default " +
    "delete do else enum export extends false finally for from function get if implements " +
    "import in instanceof interface keyof let new null of private protected public readonly " +
    "return satisfies set static super switch this throw true try type typeof undefined var " +
    "void while with yield").split(" "),
);

const TOKEN = new RegExp(
  [
    /(\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$))/.source, // 1 comment
    /("(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|`(?:[^`\\]|\\[\s\S])*`?)/.source, // 2 string
    /(\b0[xXbBoO][\da-fA-F_]+n?\b|\b\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?n?\b)/.source, // 3 number
    /([A-Za-z_$][\w$]*)/.source, // 4 word
  ].join("|"),
  "g",
);

/**
 * Splits code into tokens: `{ type, text }` with type `"com"`, `"str"`,
 * `"num"`, `"kw"`, `"fn"` (a name before a parenthesis) or `"plain"`. The
 * texts joined give the code back unchanged.
 *
 * @param {string} code
 * @returns {{ type: string, text: string }[]}
 */
export function tokenize(code) {
  const tokens = [];
  const plain = (text) => {
    if (!text) return;
    const last = tokens[tokens.length - 1];
    if (last?.type === "plain") last.text += text;
    else tokens.push({ type: "plain", text });
  };
  let at = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(code); m !== null; m = TOKEN.exec(code)) {
    plain(code.slice(at, m.index));
    at = m.index + m[0].length;
    if (m[1] !== undefined) tokens.push({ type: "com", text: m[0] });
    else if (m[2] !== undefined) tokens.push({ type: "str", text: m[0] });
    else if (m[3] !== undefined) tokens.push({ type: "num", text: m[0] });
    else if (KEYWORDS.has(m[0])) tokens.push({ type: "kw", text: m[0] });
    else if (/^\s*\(/.test(code.slice(at, at + 20))) tokens.push({ type: "fn", text: m[0] });
    else plain(m[0]);
  }
  plain(code.slice(at));
  return tokens;
}

/**
 * The tokens of `code`, line by line (a token spanning lines is split).
 *
 * @param {string} code
 * @returns {{ type: string, text: string }[][]}
 */
export function tokenLines(code) {
  const lines = [[]];
  for (const token of tokenize(code)) {
    const parts = token.text.split("\n");
    parts.forEach((text, i) => {
      if (i > 0) lines.push([]);
      if (text) lines[lines.length - 1].push({ type: token.type, text });
    });
  }
  return lines;
}
