/**
 * Fault injection. Rules match a route (or every route) and apply to the next N matching requests, or to each
 * matching request with a seeded probability, or both (rate-based, at most N times). For each request the
 * injector produces a plan: added latency, an optional late-apply hold (the request is read, held, then processed
 * whether or not its client is still there), at most one "instead of the answer" fault (5xx, 429 or connection
 * reset, decided before the request is processed) and at most one "after processing" fault (response lost,
 * truncated or malformed: the request really took effect).
 */
import { SeededRandom } from './random';
import type { RouteName } from './routes';
import { isRouteName } from './routes';

/** Fault kinds. */
export const FAULT_KINDS = [
  'error',
  'throttle',
  'latency',
  'reset',
  'lose-response',
  'truncate',
  'malformed',
  'late-apply',
] as const;
/** A fault kind. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Options every fault rule may carry. */
export interface FaultRuleCommon {
  /** Route (SDK operation name) or `*` (default) for every route. */
  route?: RouteName | '*';
  /** Apply to at most this many matching requests (default 1 without `rate`, unlimited with it). */
  times?: number;
  /** Probability (0..1) per matching request, drawn from the seeded generator. */
  rate?: number;
  /** Let this many matching requests through untouched before the rule starts applying (default 0). */
  skip?: number;
}

/** A fault rule as the admin API accepts it: the kind decides which options apply (and which are required). */
export type FaultRuleInput = FaultRuleCommon &
  (
    | {
        kind: 'error';
        /** 500, 502, 503 or 504 (default 503). */
        status?: number;
      }
    | {
        kind: 'throttle';
        /** The Retry-After header, seconds (default 1). */
        retryAfterSeconds?: number;
      }
    | {
        kind: 'latency';
        /** Added delay, wall ms. */
        latencyMs: number;
        /** Before processing (default) or after processing, before answering. */
        phase?: 'before' | 'after';
      }
    | {
        kind: 'late-apply';
        /**
         * How long the request is held, wall ms, once its body has been read. It is then processed whether or not
         * the client is still connected (a proxy that forwards a request after the client gave up); a client still
         * connected gets the real answer, otherwise the answer is dropped.
         */
        latencyMs: number;
      }
    | { kind: 'reset' | 'lose-response' | 'truncate' | 'malformed' }
  );

/** A stored rule. */
export interface FaultRule {
  id: number;
  route: RouteName | '*';
  kind: FaultKind;
  status?: number;
  retryAfterSeconds?: number;
  latencyMs?: number;
  phase?: 'before' | 'after';
  rate?: number;
  /** Matching requests still to let through before applying. */
  skip?: number;
  /** Applications left; null = unlimited. */
  remaining: number | null;
  /** Times applied so far. */
  applied: number;
}

/** A fault replacing the answer (decided before processing). */
export type TerminalFault =
  { kind: 'error'; status: number } | { kind: 'throttle'; retryAfterSeconds: number } | { kind: 'reset' };

/** A fault applied to the real answer (after processing). */
export type PostFault = 'lose-response' | 'truncate' | 'malformed';

/** What to do to one request. */
export interface FaultPlan {
  latencyBeforeMs: number;
  /** `late-apply`: hold the (fully read) request this long, wall ms, then process it even if the client has gone. */
  lateApplyMs?: number;
  latencyAfterMs: number;
  terminal?: TerminalFault;
  post?: PostFault;
  /** Kinds applied, for the request log. */
  applied: FaultKind[];
}

const NO_FAULTS: FaultPlan = { latencyBeforeMs: 0, latencyAfterMs: 0, applied: [] };

/** Validates admin input; throws an Error with a readable message. */
export function parseFaultRule(input: unknown, id: number): FaultRule {
  if (typeof input !== 'object' || input === null) throw new Error('a fault rule must be an object');
  const v = input as Record<string, unknown>;
  const kind = v.kind;
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const route = v.route ?? '*';
  if (route !== '*' && !isRouteName(route)) throw new Error('route must be a route name or "*"');
  const rule: FaultRule = { id, route, kind: kind as FaultKind, remaining: null, applied: 0 };
  const num = (key: string, min: number, max: number): number | undefined => {
    const value = v[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new Error(`${key} must be a number in ${min}..${max}`);
    }
    return value;
  };
  const rate = num('rate', 0, 1);
  const times = num('times', 1, Number.MAX_SAFE_INTEGER);
  if (times !== undefined && !Number.isInteger(times)) throw new Error('times must be an integer');
  if (rate !== undefined) rule.rate = rate;
  const skip = num('skip', 0, Number.MAX_SAFE_INTEGER);
  if (skip !== undefined && !Number.isInteger(skip)) throw new Error('skip must be an integer');
  if (skip) rule.skip = skip;
  rule.remaining = times ?? (rate === undefined ? 1 : null);
  if (rule.kind === 'error') {
    const status = num('status', 500, 504) ?? 503;
    if (![500, 502, 503, 504].includes(status)) throw new Error('status must be 500, 502, 503 or 504');
    rule.status = status;
  }
  if (rule.kind === 'throttle') rule.retryAfterSeconds = num('retryAfterSeconds', 0, 86_400) ?? 1;
  if (rule.kind === 'late-apply') {
    const latency = num('latencyMs', 0, 600_000);
    if (latency === undefined) throw new Error('latencyMs is required for late-apply faults');
    rule.latencyMs = latency;
  }
  if (rule.kind === 'latency') {
    const latency = num('latencyMs', 0, 600_000);
    if (latency === undefined) throw new Error('latencyMs is required for latency faults');
    rule.latencyMs = latency;
    const phase = v.phase ?? 'before';
    if (phase !== 'before' && phase !== 'after') throw new Error('phase must be "before" or "after"');
    rule.phase = phase;
  }
  return rule;
}

/** Holds the rules and plans each request. */
export class FaultInjector {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private random: SeededRandom;

  constructor(private readonly seed: number) {
    this.random = new SeededRandom(seed);
  }

  /** Adds a rule (validated); returns it. */
  add(input: unknown): FaultRule {
    const rule = parseFaultRule(input, this.nextId);
    this.nextId += 1;
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  /** Removes every rule and restarts the seeded sequence. */
  clear(): void {
    this.rules = [];
    this.random = new SeededRandom(this.seed);
  }

  /** Decides the faults of one request to `route`, consuming "next N" counts. */
  plan(route: RouteName): FaultPlan {
    if (this.rules.length === 0) return NO_FAULTS;
    const plan: FaultPlan = { latencyBeforeMs: 0, latencyAfterMs: 0, applied: [] };
    for (const rule of this.rules) {
      if (rule.route !== '*' && rule.route !== route) continue;
      if (rule.remaining !== null && rule.remaining <= 0) continue;
      if (rule.skip) {
        rule.skip -= 1;
        continue;
      }
      const isTerminal = rule.kind === 'error' || rule.kind === 'throttle' || rule.kind === 'reset';
      const isPost = rule.kind === 'lose-response' || rule.kind === 'truncate' || rule.kind === 'malformed';
      // A second terminal or post fault for the same request would be masked; leave it for the next request.
      if ((isTerminal && plan.terminal) || (isPost && plan.post)) continue;
      if (rule.rate !== undefined && this.random.next() >= rule.rate) continue;
      if (rule.remaining !== null) rule.remaining -= 1;
      rule.applied += 1;
      plan.applied.push(rule.kind);
      switch (rule.kind) {
        case 'latency':
          if (rule.phase === 'after') plan.latencyAfterMs += rule.latencyMs ?? 0;
          else plan.latencyBeforeMs += rule.latencyMs ?? 0;
          break;
        case 'late-apply':
          plan.lateApplyMs = (plan.lateApplyMs ?? 0) + (rule.latencyMs ?? 0);
          break;
        case 'error':
          plan.terminal = { kind: 'error', status: rule.status ?? 503 };
          break;
        case 'throttle':
          plan.terminal = { kind: 'throttle', retryAfterSeconds: rule.retryAfterSeconds ?? 1 };
          break;
        case 'reset':
          plan.terminal = { kind: 'reset' };
          break;
        default:
          plan.post = rule.kind;
      }
    }
    this.rules = this.rules.filter((r) => r.remaining === null || r.remaining > 0);
    return plan;
  }
}
