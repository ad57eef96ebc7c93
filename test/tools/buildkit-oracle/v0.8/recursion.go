package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/containerd/containerd/platforms"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Dockerfile2LLB in BuildKit v0.8.3 (frontend/dockerfile/dockerfile2llb/convert.go) can recurse
// without end, and a Go stack overflow is a fatal error no recover() catches: in Docker Engine 20.10,
// where this frontend runs inside dockerd, it stops the daemon. The path:
//
//   - every stage gets a dispatchState; addState (convert.go:582) sets ds.base to the state already
//     registered under the expanded FROM name, so `base` edges point only backwards;
//   - toCommand (convert.go:434) and detectRunMount (convert_runmount.go:18) add `deps` edges for
//     COPY --from and RUN --mount from= (any stage, by name or index, or a fresh "unregistered"
//     state appended to the list);
//   - hasCircularDependency (convert.go:1235) looks for cycles along `deps` only;
//   - then, for every state d, isReachable(target, d) (convert.go:221 and 310; the function at
//     convert.go:1220) walks `base` first and then `deps`, with no visited set.
//
// A cycle that needs a `base` edge (FROM <stage>) passes the check, and isReachable loops on it as
// soon as its walk enters the cycle before finding d. unboundedRecursion decides that in advance,
// from the same inputs, so the oracle can answer instead of dying.

// state mirrors the fields of dockerfile2llb.dispatchState the walk reads.
type state struct {
	label        string // the stage name and index, or stage-<i>
	base         int    // index of ds.base, or -1
	deps         []int  // keys of ds.deps, distinct
	unregistered bool
}

// unboundedRecursion returns why Dockerfile2LLB (v0.8.3) can recurse without end on these stages
// with these build args, or "" when it cannot (including when it fails earlier, with an error).
// It reads the parsed stages and meta ARGs and changes neither.
func unboundedRecursion(stages []instructions.Stage, metaArgs []instructions.ArgCommand, escape rune, buildArgs map[string]string) string {
	states, target, ok := dispatchStates(stages, metaArgs, escape, buildArgs)
	if !ok || !hasAnyCycle(states) {
		return ""
	}
	reach := reachability(states)
	onCycle := func(n int) bool { return reach[n][n] }
	// reachesCycle[n]: a walk from n that never stops early can enter a cycle.
	reachesCycle := make([]bool, len(states))
	for n := range states {
		for m := range states {
			if (m == n || reach[n][m]) && onCycle(m) {
				reachesCycle[n] = true
				break
			}
		}
	}
	for d := range states {
		if !mayRecurseForever(states, reach, reachesCycle, target, d) {
			continue
		}
		var cycle []string
		for m := range states {
			if onCycle(m) && (m == target || reach[target][m]) {
				cycle = append(cycle, states[m].label)
			}
		}
		sort.Strings(cycle)
		return fmt.Sprintf("BuildKit v0.8.3 cannot convert this Dockerfile: stages %s depend on each other in a cycle "+
			"that goes through FROM <stage>, which its circular-dependency check (dockerfile2llb hasCircularDependency, "+
			"COPY --from and RUN --mount only) misses; isReachable(%s, %s) then recurses until the stack overflows, "+
			"a fatal error that stops dockerd 20.10", strings.Join(cycle, ", "), states[target].label, labelOf(states[d]))
	}
	return ""
}

func labelOf(s state) string {
	if s.unregistered {
		return "an image source"
	}
	return s.label
}

// dispatchStates builds the states and their edges as Dockerfile2LLB v0.8.3 does up to its
// hasCircularDependency check. ok is false when the conversion stops before isReachable: an error in
// the meta ARGs, a stage name or platform, a COPY --from index, or a cycle along deps alone.
func dispatchStates(stages []instructions.Stage, metaArgs []instructions.ArgCommand, escape rune, buildArgs map[string]string) (states []state, target int, ok bool) {
	if len(stages) == 0 {
		return nil, 0, false
	}
	shlex := shell.NewLex(escape)
	args := metaArgsToMap(expandMetaArgs(metaArgs, shlex, buildArgs))

	byName := map[string]int{} // dispatchStates.statesByName
	add := func(s state, baseName, name string) {
		s.base = -1
		if i, found := byName[baseName]; found { // addState: exact, case-sensitive BaseName
			s.base = i
		}
		states = append(states, s)
		if name != "" {
			byName[strings.ToLower(name)] = len(states) - 1
		}
	}
	// "set base state for every image" (convert.go:114).
	for i, st := range stages {
		name, err := shlex.ProcessWordWithMap(st.BaseName, args)
		if err != nil || name == "" {
			return nil, 0, false
		}
		if st.Platform != "" {
			p, err := shlex.ProcessWordWithMap(st.Platform, args)
			if err != nil {
				return nil, 0, false
			}
			if _, err := platforms.Parse(p); err != nil {
				return nil, 0, false
			}
		}
		label := fmt.Sprintf("stage-%d", i) // dispatchState.stageName of an unnamed stage
		if st.Name != "" {
			label = fmt.Sprintf("%s (stage %d)", st.Name, i)
		}
		add(state{label: label}, name, st.Name)
	}
	target = len(states) - 1 // lastTarget, before any unregistered state is appended

	find := func(name string) (int, bool) { i, found := byName[strings.ToLower(name)]; return i, found }
	unregistered := func(from string) int {
		add(state{label: from, unregistered: true}, from, "")
		return len(states) - 1
	}
	// "fill dependencies to stages" (convert.go:194): the range covers the registered stages only.
	for i := range stages {
		seen := map[int]bool{}
		for _, cmd := range stages[i].Commands {
			var sources []int
			switch c := cmd.(type) {
			case *instructions.CopyCommand: // toCommand
				if c.From == "" {
					break
				}
				if index, err := strconv.Atoi(c.From); err == nil {
					if index < 0 || index >= len(states) { // findStateByIndex
						return nil, 0, false
					}
					sources = append(sources, index)
				} else if j, found := find(c.From); found {
					sources = append(sources, j)
				} else {
					sources = append(sources, unregistered(c.From))
				}
			case *instructions.RunCommand: // detectRunMount
				for _, m := range instructions.GetMounts(c) {
					from := m.From
					if from == "" && m.Type == instructions.MountTypeCache {
						from = "scratch" // emptyImageName
					}
					if from == "" || m.Type == instructions.MountTypeTmpfs {
						continue
					}
					if j, found := find(from); found {
						sources = append(sources, j)
					} else {
						sources = append(sources, unregistered(from))
					}
				}
			}
			for _, s := range sources {
				if !seen[s] {
					seen[s] = true
					states[i].deps = append(states[i].deps, s)
				}
			}
		}
	}
	if depsCycle(states) { // "circular dependency detected on stage"
		return nil, 0, false
	}
	return states, target, true
}

// expandMetaArgs is the meta ARG loop of Dockerfile2LLB (v0.8.3, convert.go:97) without writing
// the expanded values back into the parsed commands.
func expandMetaArgs(metaArgs []instructions.ArgCommand, shlex *shell.Lex, buildArgs map[string]string) []instructions.KeyValuePairOptional {
	opt := platformArgs()
	for i, arg := range opt {
		opt[i] = setKVValue(arg, buildArgs)
	}
	for _, cmd := range metaArgs {
		for _, metaArg := range cmd.Args {
			if metaArg.Value != nil {
				v, _ := shlex.ProcessWordWithMap(*metaArg.Value, metaArgsToMap(opt))
				metaArg.Value = &v
			}
			opt = append(opt, setKVValue(metaArg, buildArgs))
		}
	}
	return opt
}

// edges lists a state's successors in isReachable's order: base, then deps.
func edges(s state) []int {
	if s.base < 0 {
		return s.deps
	}
	return append([]int{s.base}, s.deps...)
}

// depsCycle is whether hasCircularDependency finds a cycle: along deps only.
func depsCycle(states []state) bool {
	return findCycle(states, func(s state) []int { return s.deps })
}

func hasAnyCycle(states []state) bool { return findCycle(states, edges) }

func findCycle(states []state, next func(state) []int) bool {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(states))
	var visit func(n int) bool
	visit = func(n int) bool {
		color[n] = grey
		for _, m := range next(states[n]) {
			if color[m] == grey || (color[m] == white && visit(m)) {
				return true
			}
		}
		color[n] = black
		return false
	}
	for n := range states {
		if color[n] == white && visit(n) {
			return true
		}
	}
	return false
}

// reachability[n][m]: m can be reached from n along one edge or more.
func reachability(states []state) [][]bool {
	reach := make([][]bool, len(states))
	for n := range states {
		r := make([]bool, len(states))
		stack := append([]int(nil), edges(states[n])...)
		for len(stack) > 0 {
			m := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if r[m] {
				continue
			}
			r[m] = true
			stack = append(stack, edges(states[m])...)
		}
		reach[n] = r
	}
	return reach
}

// mayRecurseForever is whether isReachable(from, to) (convert.go:1220) can recurse without end:
//
//	if from == nil { return false }
//	if from == to || isReachable(from.base, to) { return true }
//	for d := range from.deps { if isReachable(d, to) { return true } }
//	return false
//
// A call on a state that cannot reach `to` explores everything below it, so it ends (false) exactly
// when no cycle is below it. A call on a state that can reach `to` returns true or never returns; it
// first calls isReachable(base) unless that ends false (and then returns its answer), otherwise the
// deps that do not end false, in Go's random map order, so any of them may come first and decide.
// Those calls form a random walk over the states that can reach `to`: it can go on forever when it
// can step onto a state that cannot reach `to` but reaches a cycle, or onto states from which its
// own steps never lead to `to` (for example a stage whose base leads back to it, when only its deps
// lead to `to`: the base is always tried first).
func mayRecurseForever(states []state, reach [][]bool, reachesCycle []bool, from, to int) bool {
	canReach := func(n int) bool { return n == to || reach[n][to] }
	if !canReach(from) {
		return reachesCycle[from]
	}
	endsFalse := func(n int) bool { return !canReach(n) && !reachesCycle[n] }
	steps := func(n int) []int {
		if n == to {
			return nil
		}
		if b := states[n].base; b >= 0 && !endsFalse(b) {
			return []int{b}
		}
		var next []int
		for _, d := range states[n].deps {
			if !endsFalse(d) {
				next = append(next, d)
			}
		}
		return next
	}
	// The states the walk can visit from `from`.
	visited := make([]bool, len(states))
	var walk []int
	for stack := []int{from}; len(stack) > 0; {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if visited[n] {
			continue
		}
		visited[n] = true
		walk = append(walk, n)
		for _, m := range steps(n) {
			if !canReach(m) {
				return true // cannot reach `to` and reaches a cycle: endless
			}
			stack = append(stack, m)
		}
	}
	// From each of them, the walk's own steps must still lead to `to`.
	leads := make([]bool, len(states))
	leads[to] = true
	for changed := true; changed; {
		changed = false
		for _, n := range walk {
			if leads[n] {
				continue
			}
			for _, m := range steps(n) {
				if leads[m] {
					leads[n], changed = true, true
					break
				}
			}
		}
	}
	for _, n := range walk {
		if !leads[n] {
			return true
		}
	}
	return false
}
