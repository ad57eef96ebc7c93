import { parseNormalizedNamed } from './image-reference.ts';
import { BuildkitRefusal, type Command } from './buildkit-instructions.ts';
import { sourcesOf } from './dispatch-states.ts';
import { Stop, type DispatchState, type Reading, type StageCommand } from './reading.ts';

/** validateCircularDependency (v0.34.2) / hasCircularDependency (v0.8.3): a cycle through COPY --from or mounts. */
export function checkCycles(reading: Reading): void {
  const visited = new Set<DispatchState>();
  const path = new Set<DispatchState>();
  const visit = (state: DispatchState): boolean => {
    if (visited.has(state)) return false;
    visited.add(state);
    path.add(state);
    for (const dep of state.deps) {
      if (path.has(dep) || visit(dep)) return true;
    }
    path.delete(state);
    return false;
  };
  for (const state of reading.states) {
    if (visit(state)) {
      const name = state.stage ? (state.stage.name ?? `stage-${state.stage.index}`) : state.baseName;
      reading.reject('DY020', state.stage?.line ?? 1, `circular dependency detected on stage: ${name}`, 'A stage cannot copy or mount from itself or from a stage that copies from it.');
    }
  }
}

/**
 * v0.8.3 Dockerfile2LLB asks isReachable(target, d) for every state d, walking `base` first and
 * then `deps` with no visited set (convert.go:1220). A cycle that goes through FROM <stage> passes
 * hasCircularDependency, and the walk can then recurse until the stack overflows: a fatal error
 * that stops dockerd 20.10. BuildKit never converts such a file, so it counts as refused. The walk
 * tries deps in Go's random map order, so a file is refused when any order can recurse forever.
 */
export function checkEndlessReachability(reading: Reading, target: DispatchState): void {
  const states = reading.states;
  const index = new Map(states.map((state, i) => [state, i]));
  const edges = states.map((state) => [
    ...(state.base ? [index.get(state.base) ?? -1] : []),
    ...[...state.deps].map((dep) => index.get(dep) ?? -1),
  ]);
  const base = states.map((state) => (state.base ? (index.get(state.base) ?? -1) : -1));
  const deps = states.map((state) => [...state.deps].map((dep) => index.get(dep) ?? -1));
  const reach = states.map((_, n) => {
    const seen = new Array<boolean>(states.length).fill(false);
    const stack = [...(edges[n] ?? [])];
    while (stack.length > 0) {
      const m = stack.pop() as number;
      if (seen[m]) continue;
      seen[m] = true;
      stack.push(...(edges[m] ?? []));
    }
    return seen;
  });
  const onCycle = (n: number) => reach[n]?.[n] === true;
  if (!states.some((_, n) => onCycle(n))) return;
  const reachesCycle = states.map((_, n) => states.some((__, m) => (m === n || reach[n]?.[m] === true) && onCycle(m)));
  const to = index.get(target) ?? 0;
  for (let d = 0; d < states.length; d++) {
    if (mayRecurseForever(reach, reachesCycle, base, deps, to, d)) {
      reading.reject('DY020', target.stage?.line ?? 1, 'BuildKit v0.8.3 walks a cycle through FROM <stage> and COPY --from or RUN --mount, and recurses until the stack overflows (stopping dockerd 20.10)', 'Break the cycle between these stages.');
    }
  }
}

/** Whether isReachable(from, to) (v0.8.3 convert.go:1220) can recurse without end for some order of deps. */
function mayRecurseForever(reach: boolean[][], reachesCycle: boolean[], base: number[], deps: number[][], from: number, to: number): boolean {
  const canReach = (n: number) => n === to || reach[n]?.[to] === true;
  if (!canReach(from)) return reachesCycle[from] === true;
  const endsFalse = (n: number) => !canReach(n) && !reachesCycle[n];
  const steps = (n: number): number[] => {
    if (n === to) return [];
    const b = base[n] ?? -1;
    if (b >= 0 && !endsFalse(b)) return [b];
    return (deps[n] ?? []).filter((d) => !endsFalse(d));
  };
  const visited = new Set<number>();
  const walk: number[] = [];
  const stack = [from];
  while (stack.length > 0) {
    const n = stack.pop() as number;
    if (visited.has(n)) continue;
    visited.add(n);
    walk.push(n);
    for (const m of steps(n)) {
      if (!canReach(m)) return true;
      stack.push(m);
    }
  }
  const leads = new Set<number>([to]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of walk) {
      if (leads.has(n)) continue;
      if (steps(n).some((m) => leads.has(m))) {
        leads.add(n);
        changed = true;
      }
    }
  }
  return walk.some((n) => !leads.has(n));
}

/** Every state that is not another stage is parsed as an image reference, reachable or not. */
export function checkReferences(reading: Reading): void {
  for (const state of reading.states) {
    if (state.base || state.stage || state.baseName === 'scratch') continue;
    const parsed = parseNormalizedNamed(state.baseName, reading.frontend);
    if (!parsed.ok) {
      reading.model.problems.push({
        rule: 'DY015',
        line: lineOfUse(reading, state.baseName),
        message: `\`${state.baseName}\` is not a valid image reference or stage name (${parsed.error}), so BuildKit refuses it. Name an earlier stage or write \`[registry/]name[:tag][@sha256:digest]\` in lower case.`,
        rejected: true,
      });
      throw new Stop();
    }
  }
}

function lineOfUse(reading: Reading, from: string): number {
  return reading.model.uses.find((use) => use.from === from)?.line ?? 1;
}

/** allReachableStages: the target, its bases and what they copy or mount from. */
export function allReachableStages(target: DispatchState): Set<DispatchState> {
  const seen = new Set<DispatchState>();
  const queue = [target];
  while (queue.length > 0) {
    const state = queue.pop() as DispatchState;
    if (seen.has(state)) continue;
    seen.add(state);
    if (state.base) queue.push(state.base);
    for (const dep of state.deps) queue.push(dep);
  }
  return seen;
}

/**
 * resolveStages (v0.34.2): each reachable stage built on another stage runs that stage's ONBUILD
 * triggers first; what the triggers copy or mount from becomes reachable too, so repeat.
 */
export function initOnBuildTriggers(reading: Reading, target: DispatchState, reachable: Set<DispatchState>): Set<DispatchState> {
  for (;;) {
    let newDeps = false;
    for (const state of reachable) {
      if (!state.base || state.onBuildInit) continue;
      state.onBuildInit = true;
      const triggers: StageCommand[] = [];
      for (const entry of state.base.commands) {
        if (entry.command.kind !== 'onbuild') continue;
        const line = state.stage?.line ?? entry.line;
        let command: Command;
        try {
          command = reading.parseTrigger(entry);
        } catch (error) {
          if (!(error instanceof BuildkitRefusal)) throw error;
          return reading.reject('DY020', line, error.message, 'Fix the ONBUILD trigger this stage inherits.');
        }
        const triggered: StageCommand = { command, line, sources: [] };
        sourcesOf(reading, triggered, true);
        if (triggered.sources.some((source) => source !== undefined)) newDeps = true;
        for (const source of triggered.sources) if (source) state.deps.add(source);
        triggers.push(triggered);
      }
      state.commands = [...triggers, ...state.commands];
    }
    if (!newDeps) return reachable;
    reachable = allReachableStages(target);
    checkReferences(reading);
  }
}
