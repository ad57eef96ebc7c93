package protocol

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// As a worker, this test binary reads requests with testRead, which misbehaves on purpose in the
// ways that end a Go process: a panic on a goroutine of its own, a stack overflow, a hang.
func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == "worker" {
		Serve(testRead)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func testRead(req Request) Response {
	switch req.Dockerfile {
	case "goroutine panic":
		done := make(chan struct{})
		go func() {
			var p *Response
			_ = p.ID
			close(done)
		}()
		<-done
	case "stack overflow":
		debug.SetMaxStack(4 << 20)
		var deep func(int) int
		deep = func(n int) int { return deep(n+1) + 1 }
		deep(0)
	case "main panic":
		panic("boom")
	case "hang":
		time.Sleep(time.Hour)
	}
	return Response{Resolved: []string{req.Dockerfile}}
}

func TestSuperviseAnswersEveryRequest(t *testing.T) {
	inputs := []string{"ok 1", "goroutine panic", "ok 2", "stack overflow", "main panic", "ok 3", "hang", "ok 4"}
	var in bytes.Buffer
	for i, dockerfile := range inputs {
		line, _ := json.Marshal(Request{ID: string(rune('a' + i)), Dockerfile: dockerfile})
		in.Write(append(line, '\n'))
	}
	var out bytes.Buffer
	start := time.Now()
	if err := supervise(&in, &out, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	var answers []Response
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var r Response
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("not JSON: %s", sc.Text())
		}
		answers = append(answers, r)
	}
	if len(answers) != len(inputs) {
		t.Fatalf("%d answers for %d requests: %+v", len(answers), len(inputs), answers)
	}
	want := map[string]string{
		"goroutine panic": "panic: runtime error: invalid memory address or nil pointer dereference",
		"stack overflow":  "fatal error: stack overflow",
		"main panic":      "panic: boom",
		"hang":            "within 2s",
	}
	for i, r := range answers {
		if r.ID != string(rune('a'+i)) {
			t.Errorf("answer %d has id %q", i, r.ID)
		}
		reason, bad := want[inputs[i]]
		if !bad {
			if r.Rejected || len(r.Resolved) != 1 || r.Resolved[0] != inputs[i] {
				t.Errorf("%q: %+v", inputs[i], r)
			}
			continue
		}
		if !r.Rejected || !strings.Contains(r.Error, reason) {
			t.Errorf("%q: want rejected with %q, got %+v", inputs[i], reason, r)
		}
	}
	if elapsed := time.Since(start); elapsed > 20*time.Second {
		t.Errorf("took %s", elapsed)
	}
}
