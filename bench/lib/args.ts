/**
 * Flag parsing for the benchmark and soak commands: `--name value`, `--name=value` and bare `--flag` (true).
 * Values stay strings until a scenario reads them with a typed accessor, so each scenario owns its defaults.
 */

/** Parsed command-line flags. */
export class Flags {
  constructor(private readonly values: Readonly<Record<string, string>> = {}) {}

  /** Parses `argv` (without the node and script paths). Throws on a positional argument. */
  static parse(argv: readonly string[]): Flags {
    const values: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}" (flags are --name value)`);
      const eq = arg.indexOf('=');
      if (eq > 0) {
        values[arg.slice(2, eq)] = arg.slice(eq + 1);
        continue;
      }
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) values[arg.slice(2)] = 'true';
      else {
        values[arg.slice(2)] = next;
        i++;
      }
    }
    return new Flags(values);
  }

  /** A copy with `defaults` under the given values (given values win). */
  withDefaults(defaults: Readonly<Record<string, string | number | boolean>>): Flags {
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries(defaults)) merged[k] = String(v);
    return new Flags({ ...merged, ...this.values });
  }

  /**
   * The flags one scenario sees: its `defaults`, then the generic flags, then flags prefixed with its name
   * (`--capacity.n 50` overrides `--n 20` for the capacity scenario only).
   */
  forScenario(name: string, defaults: Readonly<Record<string, string | number | boolean>>): Flags {
    const prefix = `${name}.`;
    const generic: Record<string, string> = {};
    const specific: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.values)) {
      if (k.startsWith(prefix)) specific[k.slice(prefix.length)] = v;
      else if (!k.includes('.')) generic[k] = v;
    }
    return new Flags({ ...generic, ...specific }).withDefaults(defaults);
  }

  /** Whether the flag was given (or defaulted). */
  has(name: string): boolean {
    return Object.hasOwn(this.values, name);
  }

  str(name: string, fallback?: string): string {
    const v = this.values[name] ?? fallback;
    if (v === undefined) throw new Error(`--${name} is required`);
    return v;
  }

  /** A finite number; throws naming the flag otherwise. */
  /** Several required numeric flags at once: `const { n, 'time-scale': timeScale } = flags.nums('n', 'time-scale')`. */
  nums<K extends string>(...names: K[]): Record<K, number> {
    return Object.fromEntries(names.map((name) => [name, this.num(name)])) as Record<K, number>;
  }

  num(name: string, fallback?: number): number {
    const raw = this.values[name];
    if (raw === undefined) {
      if (fallback === undefined) throw new Error(`--${name} is required`);
      return fallback;
    }
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${raw}"`);
    return n;
  }

  /** `true`/`false` (a bare flag is true). */
  bool(name: string, fallback = false): boolean {
    const raw = this.values[name];
    if (raw === undefined) return fallback;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw new Error(`--${name} must be true or false, got "${raw}"`);
  }

  /** All values, for the result record. */
  toJSON(): Record<string, string> {
    return { ...this.values };
  }
}
