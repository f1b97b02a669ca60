// The local tools the shipped tool-use dataset is written against: fixed
// data, no network, so every answer is known.
import { type Tool, tool } from "../tool.ts";

const STOCK: Record<string, number> = {
  apple: 42,
  banana: 17,
  cherry: 120,
  durian: 3,
  elderberry: 58,
  fig: 0,
  grape: 75,
};
const AISLE: Record<string, string> = {
  apple: "A1",
  banana: "A2",
  cherry: "B4",
  durian: "C7",
  elderberry: "B1",
  fig: "C2",
  grape: "A5",
};
/** US dollars per unit of each currency. */
const USD_PER: Record<string, number> = { USD: 1, EUR: 1.08, GBP: 1.27, JPY: 0.0067, CHF: 1.13 };
const UNITS: Record<string, (v: number) => [string, number]> = {
  "km>mi": (v) => ["mi", v / 1.609344],
  "mi>km": (v) => ["km", v * 1.609344],
  "kg>lb": (v) => ["lb", v / 0.45359237],
  "lb>kg": (v) => ["kg", v * 0.45359237],
  "c>f": (v) => ["f", (v * 9) / 5 + 32],
  "f>c": (v) => ["c", ((v - 32) * 5) / 9],
  "l>gal": (v) => ["gal", v / 3.785411784],
  "gal>l": (v) => ["l", v * 3.785411784],
};
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/**
 * The tools of the shipped `tools.jsonl` dataset: `inventory_lookup`,
 * `aisle_lookup`, `exchange_rate`, `convert_units` and `weekday`, over fixed
 * local data.
 *
 * @example
 * ```ts
 * import { localEvalTools } from "@smoldeno/agents/eval";
 *
 * const [inventory] = localEvalTools();
 * console.log(await inventory.call({ item: "apple" })); // 42
 * ```
 */
export function localEvalTools(): Tool[] {
  return [
    tool({
      name: "inventory_lookup",
      description: "How many units of a fruit are in stock at the warehouse.",
      inputs: {
        item: { type: "string", description: "Fruit name in English, singular, e.g. 'apple'" },
      },
      outputType: "integer",
      forward: ({ item }) => {
        const key = item.trim().toLowerCase().replace(/s$/, "");
        if (!(key in STOCK)) {
          throw new Error(
            `Unknown item "${item}": known items are ${Object.keys(STOCK).join(", ")}`,
          );
        }
        return STOCK[key];
      },
    }),
    tool({
      name: "aisle_lookup",
      description: "The warehouse aisle where a fruit is stored, e.g. 'B4'.",
      inputs: { item: { type: "string", description: "Fruit name in English, singular" } },
      outputType: "string",
      forward: ({ item }) => {
        const key = item.trim().toLowerCase().replace(/s$/, "");
        if (!(key in AISLE)) {
          throw new Error(
            `Unknown item "${item}": known items are ${Object.keys(AISLE).join(", ")}`,
          );
        }
        return AISLE[key];
      },
    }),
    tool({
      name: "exchange_rate",
      description:
        "How many units of `to` one unit of `from` buys (fixed rates; USD, EUR, GBP, JPY, CHF).",
      inputs: {
        from: { type: "string", description: "Currency code, e.g. 'EUR'" },
        to: { type: "string", description: "Currency code, e.g. 'USD'" },
      },
      outputType: "number",
      forward: ({ from, to }) => {
        const a = USD_PER[from.toUpperCase()], b = USD_PER[to.toUpperCase()];
        if (a === undefined || b === undefined) {
          throw new Error(`Unknown currency: use ${Object.keys(USD_PER).join(", ")}`);
        }
        return a / b;
      },
    }),
    tool({
      name: "convert_units",
      description: "Converts a value between km/mi, kg/lb, c/f (temperature) and l/gal.",
      inputs: {
        value: { type: "number", description: "The amount" },
        from: { type: "string", description: "Unit: km, mi, kg, lb, c, f, l or gal" },
        to: { type: "string", description: "Unit to convert to" },
      },
      outputType: "number",
      forward: ({ value, from, to }) => {
        const convert = UNITS[`${from.toLowerCase()}>${to.toLowerCase()}`];
        if (!convert) {
          throw new Error(
            `Cannot convert "${from}" to "${to}": pairs are ${Object.keys(UNITS).join(", ")}`,
          );
        }
        return convert(value)[1];
      },
    }),
    tool({
      name: "weekday",
      description: "The day of the week of a date given as YYYY-MM-DD.",
      inputs: { date: { type: "string", description: "A date, e.g. '2024-02-29'" } },
      outputType: "string",
      forward: ({ date }) => {
        const d = new Date(`${date}T12:00:00Z`);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(d.getTime())) {
          throw new Error(`"${date}" is not a date: write YYYY-MM-DD`);
        }
        return DAYS[d.getUTCDay()];
      },
    }),
  ];
}
