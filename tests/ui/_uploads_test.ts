// Uploaded files: safe names inside the session folder, and bodies written
// only up to the limit.

import { assertEquals, assertRejects } from "../_assert.ts";
import { safeFileName, UploadError, writeUpload } from "../../src/ui/_uploads.ts";

Deno.test("file names keep their last segment and safe characters, and never collide", () => {
  const none = new Set<string>();
  assertEquals(safeFileName("report.csv", none), "report.csv");
  assertEquals(safeFileName("../../etc/passwd", none), "passwd");
  assertEquals(safeFileName("C:\\Users\\me\\notes.txt", none), "notes.txt");
  assertEquals(safeFileName(".bashrc", none), "bashrc");
  assertEquals(safeFileName("<img src=x>.png", none), "_img src_x_.png");
  assertEquals(safeFileName("résumé.pdf", none), "résumé.pdf");
  assertEquals(safeFileName("", none), "upload");
  assertEquals(safeFileName("???", none), "upload");
  assertEquals(safeFileName("a".repeat(300), none).length, 100);
  assertEquals(safeFileName("data.csv", new Set(["data.csv", "data-2.csv"])), "data-3.csv");
});

Deno.test("writeUpload writes up to the limit, removes a larger body, and reads images back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smoldeno-ui-upload-test-" });
  try {
    const fits = await writeUpload(
      ReadableStream.from([new Uint8Array([1, 2])]),
      `${dir}/a`,
      "a",
      2,
    );
    assertEquals(fits, { name: "a", path: `${dir}/a`, size: 2 });
    await assertRejects(
      () =>
        writeUpload(
          ReadableStream.from([new Uint8Array(2), new Uint8Array(1)]),
          `${dir}/b`,
          "b",
          2,
        ),
      UploadError,
      '"b" is too large: the limit is 2 bytes per file',
    );
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["a"]);
    const png = new Uint8Array([
      0x89,
      0x50,
      0x4e,
      0x47,
      0x0d,
      0x0a,
      0x1a,
      0x0a,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    ]);
    const image = await writeUpload(ReadableStream.from([png]), `${dir}/p.png`, "p.png", 100);
    assertEquals(image.image?.mimeType, "image/png");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
