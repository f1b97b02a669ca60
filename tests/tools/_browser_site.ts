// A small local shop site for the browser tests: a cookie banner, a
// paginated list, a contact form, a modal, a tall page, a slow page, and a
// link to a private address (localhost, which the tests do not allow).
// It records the paths asked for, so a test can tell a blocked request
// never arrived.

/** The running site. */
export interface Site extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** The port. */
  port: number;
  /** Every path (with query) requested, in order. */
  requests: string[];
}

const PRODUCTS = [
  ["Bramley apples", "3.20"],
  ["Conference pears", "2.80"],
  ["Cider, dry", "4.50"],
  ["Plum jam", "3.90"],
  ["Apple juice", "2.40"],
  ["Pear chutney", "3.60"],
  ["Damson gin", "14.00"],
  ["Quince jelly", "5.10"],
  ["Crab apple wine", "9.80"],
];
const PER_PAGE = 3;

function page(title: string, body: string, head = ""): Response {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:sans-serif;margin:20px} .cookie{position:fixed;bottom:0;left:0;right:0;background:#333;color:#fff;padding:20px}
.modal{position:fixed;top:100px;left:100px;width:300px;background:#fff;border:2px solid #000;padding:20px}</style>${head}</head>
<body>${body}</body></html>`;
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
}

function handler(port: number, request: Request): Response | Promise<Response> {
  const url = new URL(request.url);
  const nav =
    `<nav><a href="/">Home</a> | <a href="/products?page=1">Products</a> | <a href="/contact">Contact</a></nav>`;
  switch (url.pathname) {
    case "/":
      return page(
        "Orchard Shop",
        `${nav}<main><h1>Welcome to the Orchard Shop</h1>
<p>Fresh fruit and preserves from the community orchard.</p>
<p><a href="/products?page=1">Browse our products</a></p>
<p><a href="/tall">Read our history</a></p>
<p><a href="/products?page=3" target="_blank">Preserves (opens a tab)</a></p>
<p><a href="/slow">Seasonal offers</a></p>
<p><a href="/modal">Newsletter</a></p>
<p><a href="http://localhost:${port}/admin">Router admin</a></p></main>
<div class="cookie" id="cookie" role="dialog">We use cookies to remember your basket.
<button onclick="document.cookie='consent=yes';document.getElementById('cookie').remove()">Accept all</button></div>`,
      );
    case "/products": {
      const n = Number(url.searchParams.get("page") ?? "1");
      const pages = Math.ceil(PRODUCTS.length / PER_PAGE);
      const items = PRODUCTS.slice((n - 1) * PER_PAGE, n * PER_PAGE)
        .map(([name, price]) => `<li>${name}: £${price}</li>`).join("");
      const next = n < pages ? `<a href="/products?page=${n + 1}">Next page</a>` : "";
      const prev = n > 1 ? `<a href="/products?page=${n - 1}">Previous page</a> ` : "";
      return page(
        `Products, page ${n} of ${pages}`,
        `${nav}<main><h1>Products</h1><p>Page ${n} of ${pages}</p><ul>${items}</ul>${prev}${next}</main>`,
      );
    }
    case "/contact":
      return page(
        "Contact us",
        `${nav}<main><h1>Contact us</h1><form action="/thanks" method="get">
<label for="name">Your name</label> <input id="name" name="name"><br>
<input name="email" type="email" placeholder="you@example.com"><br>
<label>Message <textarea name="message"></textarea></label><br>
<button type="submit">Send message</button></form></main>`,
      );
    case "/thanks": {
      const name = url.searchParams.get("name") ?? "";
      const email = url.searchParams.get("email") ?? "";
      const message = url.searchParams.get("message") ?? "";
      const esc = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
      return page(
        "Message sent",
        `${nav}<main><h1>Thank you, ${esc(name)}!</h1><p>We will answer ${
          esc(email)
        } within two days.</p><p>Your message: ${esc(message)}</p></main>`,
      );
    }
    case "/tall": {
      const paragraphs = Array.from(
        { length: 60 },
        (_, i) =>
          `<p>Year ${1900 + i * 2}: ${
            i === 45
              ? "the great frost killed half of the pear trees."
              : "a quiet year in the orchard."
          }</p>`,
      ).join("");
      return page("Our history", `${nav}<main><h1>History</h1>${paragraphs}</main>`);
    }
    case "/modal":
      return page(
        "Newsletter",
        `${nav}<main><h1>Newsletter</h1><p>News every month.</p></main>
<div class="modal" id="modal" role="dialog" aria-modal="true"><p>Subscribe to our newsletter!</p>
<button aria-label="Close" onclick="document.getElementById('modal').remove()">×</button></div>`,
      );
    case "/slow": {
      // The page starts, then its body never ends (until the browser hangs up).
      let timer: ReturnType<typeof setTimeout> | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(
            new TextEncoder().encode("<!doctype html><title>Offers</title><h1>Offers"),
          );
          timer = setTimeout(() => controller.close(), 60_000);
        },
        cancel() {
          clearTimeout(timer);
        },
      });
      return new Response(body, { headers: { "content-type": "text/html" } });
    }
    case "/admin":
      return page("Router admin", "<h1>Router admin: secret settings</h1>");
    default:
      return new Response("Not found", { status: 404 });
  }
}

/** Starts the site on 127.0.0.1 at a free port. */
export function startSite(): Site {
  const requests: string[] = [];
  let port = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => {
      const url = new URL(request.url);
      requests.push(url.pathname + url.search);
      return handler(port, request);
    },
  );
  port = server.addr.port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
