import { checkIdentifier } from "../../../executors/session/_checks.ts";
import { assertThrows } from "../../_assert.ts";

Deno.test("checkIdentifier() accepts identifiers and rejects reserved words and other text", () => {
  for (const ok of ["get_weather", "$x", "_private", "Tool2"]) checkIdentifier("tool name", ok);
  for (const bad of ["get-weather", "2fast", "", "class", "await", "eval", "a b"]) {
    assertThrows(() => checkIdentifier("tool name", bad), TypeError, "Invalid tool name");
  }
});
