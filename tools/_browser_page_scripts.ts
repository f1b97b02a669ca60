// Scripts the browser tools run inside the page. Kept as source text: they
// run in Chromium, not in Deno, so they are checked there (by the tests).

/**
 * Marks the buttons that close the visible pop-ups (dialogs, fixed or sticky
 * banners) with `data-smoldeno-popup="<n>"` and returns, for each, the
 * button's words and the start of the pop-up's text. Close buttons come
 * first, then refusals, then acceptance.
 */
export const MARK_POPUP_BUTTONS = `(() => {
  const ranks = [
    /^(close|dismiss|×|✕|✖|x|no,? thanks|not now|maybe later)$/i,
    /^(reject|reject all|decline|refuse|deny|only necessary|necessary only|essential only)( cookies)?$/i,
    /^(accept|accept all|allow|allow all|agree|i agree|ok|okay|got it|continue|understood)( cookies)?$/i,
  ];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  const popups = [...document.querySelectorAll(
    "dialog[open],[role=dialog],[role=alertdialog],[aria-modal=true]",
  )];
  const all = document.body ? document.body.querySelectorAll("*") : [];
  for (let i = 0; i < all.length && i < 5000; i++) {
    const el = all[i];
    const position = getComputedStyle(el).position;
    if ((position === "fixed" || position === "sticky") && !popups.some((p) => p.contains(el) || el.contains(p))) {
      popups.push(el);
    }
  }
  const found = [];
  for (const popup of popups) {
    if (!visible(popup)) continue;
    const buttons = [...popup.querySelectorAll(
      "button,a,[role=button],input[type=button],input[type=submit]",
    )].filter(visible);
    const words = (b) => (b.innerText || b.value || b.getAttribute("aria-label") || "").trim();
    let best;
    let bestRank = ranks.length;
    for (const button of buttons) {
      const label = (button.getAttribute("aria-label") || "").trim();
      const rank = /^(close|dismiss)/i.test(label) ? 0 : ranks.findIndex((re) => re.test(words(button)));
      if (rank >= 0 && rank < bestRank) {
        best = button;
        bestRank = rank;
      }
    }
    if (!best) continue;
    best.setAttribute("data-smoldeno-popup", String(found.length));
    found.push({
      button: words(best).slice(0, 40),
      text: (popup.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 80),
    });
  }
  return found;
})()`;

/** Returns the page's visible links as `{ text, href }`, at most `max`, and how many there were. */
export function listLinksScript(max: number): string {
  return `(() => {
  const seen = new Set();
  const links = [];
  let total = 0;
  for (const a of document.querySelectorAll("a[href]")) {
    const href = a.href;
    if (!/^https?:/i.test(href)) continue;
    const r = a.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const text = (a.innerText || a.getAttribute("aria-label") || a.title || "").trim().replace(/\\s+/g, " ");
    const key = text + "\\n" + href;
    if (seen.has(key)) continue;
    seen.add(key);
    total++;
    if (links.length < ${max}) links.push({ text: text.slice(0, 100), href });
  }
  return { links, total };
})()`;
}

/** Where the page is scrolled, and how tall it is. */
export const SCROLL_POSITION = `(() => ({
  y: Math.round(window.scrollY),
  x: Math.round(window.scrollX),
  height: Math.round(document.documentElement.scrollHeight),
  viewport: window.innerHeight,
}))()`;

/** Waits two animation frames, so a screenshot shows what the last action drew. */
export const SETTLE =
  `new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))`;

/**
 * Finds the element `click` means by `target` and marks it with
 * `data-smoldeno-target="<mark>"`, in one pass over the page, trying in
 * order: a control (link, button, …) named exactly so, the innermost element
 * with exactly that text, a control whose name contains it, the innermost
 * element containing it, an element with that title, then `target` as a
 * CSS selector. Case and spacing do not matter. Returns `"tab"` for a link
 * that opens a new tab, `"page"` for any other element, `""` when none.
 */
export function markClickTargetScript(target: string, mark: string): string {
  return `((target, mark) => {
  for (const old of document.querySelectorAll("[data-smoldeno-target]")) old.removeAttribute("data-smoldeno-target");
  const norm = (s) => (s || "").replace(/\\s+/g, " ").trim().toLowerCase();
  const want = norm(target);
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    const s = getComputedStyle(el);
    return s.visibility !== "hidden" && s.display !== "none";
  };
  const controls = [...document.querySelectorAll(
    "a[href],button,[role=button],[role=link],[role=tab],[role=menuitem],[role=checkbox],[role=radio],[role=option]," +
      "input[type=submit],input[type=button],input[type=reset],input[type=checkbox],input[type=radio],input[type=image],summary,[onclick]",
  )];
  const nameOf = (el) => norm(el.getAttribute("aria-label") || el.innerText || el.value || el.title || el.getAttribute("alt"));
  // The innermost elements whose text passes the test, in page order.
  const innermost = (test) => {
    const out = [];
    const walk = (el) => {
      let inner = false;
      for (const child of el.children) if (test(norm(child.textContent)) && walk(child)) inner = true;
      if (!inner && !/^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE)$/.test(el.tagName)) out.push(el);
      return true;
    };
    if (document.body && test(norm(document.body.textContent))) walk(document.body);
    return out;
  };
  const pick = (list) => list.find(visible);
  let found = pick(controls.filter((el) => nameOf(el) === want)) ||
    pick(innermost((t) => t === want)) ||
    pick(controls.filter((el) => nameOf(el).includes(want))) ||
    pick(innermost((t) => t.includes(want))) ||
    pick([...document.querySelectorAll("[title]")].filter((el) => norm(el.title) === want));
  if (!found) {
    try {
      found = pick([...document.querySelectorAll(target)]);
    } catch {
      // Not a CSS selector.
    }
  }
  if (!found) return "";
  found.setAttribute("data-smoldeno-target", mark);
  return found.closest("a[target=_blank]") ? "tab" : "page";
})(${JSON.stringify(target)}, ${JSON.stringify(mark)})`;
}
