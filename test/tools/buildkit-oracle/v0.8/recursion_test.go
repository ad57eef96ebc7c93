package main

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// convertEnv makes this test binary a child that converts one Dockerfile many times with BuildKit
// v0.8.3 itself, with a small stack so an endless recursion ends it quickly. isReachable walks deps
// in Go's random map order, so a file it may loop on is tried many times.
const convertEnv = "DOCKYARD_ORACLE_TEST_CONVERT"

const convertRuns = 120

func TestMain(m *testing.M) {
	if file := os.Getenv(convertEnv); file != "" {
		debug.SetMaxStack(16 << 20)
		dt, err := os.ReadFile(file)
		if err != nil {
			panic(err)
		}
		for i := 0; i < convertRuns; i++ {
			_, _ = convert(dt, map[string]string{})
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// overflows runs the real conversion in a child process and says whether it died of a stack overflow.
func overflows(t *testing.T, dockerfile string) bool {
	t.Helper()
	file := t.TempDir() + "/Dockerfile"
	if err := os.WriteFile(file, []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), convertEnv+"="+file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		return false
	}
	head := stderr.String()
	if len(head) > 2000 {
		head = head[:2000]
	}
	if !strings.Contains(head, "stack overflow") || !strings.Contains(stderr.String(), "dockerfile2llb.isReachable") {
		t.Fatalf("the conversion of %q died otherwise: %v\n%s", dockerfile, err, head)
	}
	return true
}

func predict(t *testing.T, dockerfile string) string {
	t.Helper()
	result, err := parser.Parse(strings.NewReader(dockerfile))
	if err != nil {
		return ""
	}
	stages, metaArgs, err := instructions.Parse(result.AST)
	if err != nil {
		return ""
	}
	return unboundedRecursion(stages, metaArgs, result.EscapeToken, map[string]string{})
}

func TestUnboundedRecursionKnownFiles(t *testing.T) {
	cases := []struct {
		dockerfile string
		loops      bool
	}{
		// The base of the second "build" is "base", whose COPY --from=build is that second stage.
		{"FROM alpine AS build\nFROM scratch AS base\nCOPY --from=build / /\nFROM base AS build\n", true},
		// A cycle every isReachable(target, d) call leaves through `base` before entering it.
		{"FROM scratch AS a\nCOPY --from=b / /\nFROM a AS b\n", false},
		// The same cycle, with an unnamed stage the walk from the target never finds.
		{"FROM alpine\nFROM scratch AS a\nCOPY --from=b / /\nFROM a AS b\n", true},
		// Through a COPY --from stage index and an ARG in FROM.
		{"ARG B=a\nFROM alpine AS x\nFROM busybox AS a\nCOPY --from=2 / /\nFROM ${B} AS c\n", true},
		// v0.8.3 reads RUN --mount from= as a name only: "2" is an image, no cycle.
		{"ARG B=a\nFROM alpine AS x\nFROM busybox AS a\nRUN --mount=from=2,target=/m true\nFROM ${B} AS c\n", false},
		// Through RUN --mount from=, and a base whose only way to the target is its own deps.
		{"FROM scratch AS b\nCOPY --from=A / /\nRUN --mount=from=b,target=/m true\nFROM b AS b\nCOPY --from=A / /\n", true},
		// A cycle along COPY --from alone is caught by hasCircularDependency first.
		{"FROM alpine AS a\nCOPY --from=b / /\nFROM alpine AS b\nCOPY --from=a / /\n", false},
		// No cycle at all.
		{"FROM alpine AS a\nFROM a AS b\nCOPY --from=a / /\n", false},
	}
	for _, c := range cases {
		if got := predict(t, c.dockerfile) != ""; got != c.loops {
			t.Errorf("predicted %v for %q, want %v", got, c.dockerfile, c.loops)
		}
		if got := overflows(t, c.dockerfile); got != c.loops {
			t.Errorf("BuildKit v0.8.3 overflowed: %v for %q, want %v", got, c.dockerfile, c.loops)
		}
	}
}

// TestUnboundedRecursionMatchesBuildkit compares the prediction with BuildKit v0.8.3 itself on small
// random stage graphs that have a cycle through FROM <stage>.
func TestUnboundedRecursionMatchesBuildkit(t *testing.T) {
	rng := rand.New(rand.NewSource(20251130))
	names := []string{"a", "b", "c", "A"}
	checked, loops := 0, 0
	for i := 0; i < 20000 && checked < 80; i++ {
		var b strings.Builder
		n := 2 + rng.Intn(3)
		for s := 0; s < n; s++ {
			base := []string{"alpine", "scratch", names[rng.Intn(len(names))]}[rng.Intn(3)]
			fmt.Fprintf(&b, "FROM %s", base)
			if rng.Intn(4) > 0 {
				fmt.Fprintf(&b, " AS %s", names[rng.Intn(3)])
			}
			b.WriteString("\n")
			for k := rng.Intn(3); k > 0; k-- {
				from := names[rng.Intn(len(names))]
				if rng.Intn(4) == 0 {
					from = fmt.Sprint(rng.Intn(n + 1))
				}
				if rng.Intn(2) == 0 {
					fmt.Fprintf(&b, "COPY --from=%s / /\n", from)
				} else {
					fmt.Fprintf(&b, "RUN --mount=from=%s,target=/m true\n", from)
				}
			}
		}
		dockerfile := b.String()
		result, err := parser.Parse(strings.NewReader(dockerfile))
		if err != nil {
			continue
		}
		stages, metaArgs, err := instructions.Parse(result.AST)
		if err != nil {
			continue
		}
		states, _, ok := dispatchStates(stages, metaArgs, result.EscapeToken, map[string]string{})
		if !ok || !hasAnyCycle(states) {
			continue
		}
		checked++
		predicted := predict(t, dockerfile) != ""
		if predicted {
			loops++
		}
		if actual := overflows(t, dockerfile); actual != predicted {
			t.Errorf("predicted endless recursion %v, BuildKit v0.8.3 overflowed %v, for:\n%s", predicted, actual, dockerfile)
		}
	}
	if checked < 80 || loops == 0 || loops == checked {
		t.Fatalf("only %d files with a cycle through FROM (%d of them looping): the generator needs a look", checked, loops)
	}
	t.Logf("%d files with a cycle through FROM, %d of them looping", checked, loops)
}
