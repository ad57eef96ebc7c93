package protocol

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// roleEnv marks the worker process Main starts.
const roleEnv = "DOCKYARD_ORACLE_ROLE"

// timeoutEnv overrides how long one file may take (seconds) before its worker is stopped.
const timeoutEnv = "DOCKYARD_ORACLE_TIMEOUT"

const defaultTimeout = 60 * time.Second

// Main is an oracle's entry point. It answers every request, whatever the linked BuildKit does with
// it: the requests go to a worker process (this same program, running Serve), and when the worker
// dies on one (a Go stack overflow or out-of-memory is fatal; a panic on a goroutine BuildKit started
// cannot be recovered) or hangs on it, that request is answered as rejected with the reason a real
// engine would have shown, and a fresh worker takes the next one.
func Main(read func(Request) Response) {
	if os.Getenv(roleEnv) == "worker" {
		Serve(read)
		return
	}
	timeout := defaultTimeout
	if v := os.Getenv(timeoutEnv); v != "" {
		s, err := strconv.ParseFloat(v, 64)
		if err != nil || s <= 0 {
			fmt.Fprintf(os.Stderr, "oracle: %s=%q is not a positive number of seconds\n", timeoutEnv, v)
			os.Exit(2)
		}
		timeout = time.Duration(s * float64(time.Second))
	}
	if err := supervise(os.Stdin, os.Stdout, timeout); err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		os.Exit(1)
	}
}

// window is how many requests a worker may hold unanswered: enough to keep it busy while answers
// travel back, few enough to replay cheaply after a crash.
const window = 64

func supervise(stdin io.Reader, stdout io.Writer, timeout time.Duration) error {
	requests := make(chan []byte, window)
	readErr := make(chan error, 1)
	go func() {
		in := bufio.NewReaderSize(stdin, 1<<20)
		for {
			line, err := in.ReadBytes('\n')
			if len(bytes.TrimSpace(line)) > 0 {
				if line[len(line)-1] != '\n' {
					line = append(line, '\n')
				}
				requests <- line
			}
			if err != nil {
				if err != io.EOF {
					readErr <- err
				}
				close(requests)
				return
			}
		}
	}()

	out := bufio.NewWriterSize(stdout, 1<<16)
	var w *worker
	defer func() {
		if w != nil {
			w.stop()
		}
	}()
	var pending [][]byte // sent to w, unanswered, in order
	var replay [][]byte  // sent to a worker that died before answering them
	inputDone := false
	timer := time.NewTimer(timeout)
	timer.Stop()
	answer := func(line []byte) error {
		if _, err := out.Write(line); err != nil {
			return err
		}
		if len(pending) == 0 || w == nil || len(w.answers) == 0 {
			return out.Flush()
		}
		return nil
	}
	// lost ends the worker's turn: the request at the head of the line is answered as rejected and
	// the ones behind it go to the next worker.
	lost := func(reason string) error {
		head := pending[0]
		replay = append(append([][]byte(nil), pending[1:]...), replay...)
		pending = nil
		w = nil
		timer.Stop()
		return answer(rejection(head, reason))
	}
	send := func(line []byte) {
		w.in <- line
		pending = append(pending, line)
		if len(pending) == 1 {
			timer.Reset(timeout)
		}
	}

	for {
		if inputDone && len(pending) == 0 && len(replay) == 0 {
			select {
			case err := <-readErr:
				return err
			default:
				return nil
			}
		}
		if w == nil && (len(replay) > 0 || !inputDone) {
			var err error
			if w, err = startWorker(); err != nil {
				return err
			}
		}
		for len(replay) > 0 && len(pending) < window {
			send(replay[0])
			replay = replay[1:]
		}
		var next <-chan []byte
		if !inputDone && len(replay) == 0 && len(pending) < window {
			next = requests
		}
		var answers <-chan []byte
		var expired <-chan time.Time
		if len(pending) > 0 {
			answers = w.answers
			expired = timer.C
		}
		select {
		case line, ok := <-next:
			if !ok {
				inputDone = true
				continue
			}
			send(line)
		case line, ok := <-answers:
			if !ok {
				close(w.in)
				<-w.done
				err := w.cmd.Wait()
				if err := lost(crashReason(w.stderr.String(), err)); err != nil {
					return err
				}
				continue
			}
			pending = pending[1:]
			if len(pending) > 0 {
				timer.Reset(timeout)
			} else {
				timer.Stop()
			}
			if err := answer(line); err != nil {
				return err
			}
		case <-expired:
			w.stop()
			if err := lost(fmt.Sprintf("BuildKit did not finish reading this Dockerfile within %s (stopped)", timeout)); err != nil {
				return err
			}
		}
	}
}

// rejection is the answer for a request the worker did not survive.
func rejection(line []byte, reason string) []byte {
	var req Request
	_ = json.Unmarshal(line, &req)
	resp := Response{ID: req.ID, Rejected: true, Error: reason, Stages: []Stage{}, Sources: []Source{}, Resolved: []string{}}
	resp.Directives.Escape = "\\"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(&resp)
	return buf.Bytes()
}

type worker struct {
	cmd     *exec.Cmd
	in      chan []byte // requests for the worker's stdin
	answers chan []byte // its stdout lines; closed when it ends
	stderr  *headBuffer
	done    chan struct{} // closed when stderr is drained
}

func startWorker() (*worker, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), roleEnv+"=worker")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start the oracle worker: %w", err)
	}
	w := &worker{
		cmd:     cmd,
		in:      make(chan []byte, window),
		answers: make(chan []byte, window),
		stderr:  &headBuffer{limit: 64 << 10},
		done:    make(chan struct{}),
	}
	go func() {
		broken := false
		for line := range w.in {
			if !broken {
				// A write error means the worker is dying; its stdout then closes and says why.
				_, err := stdin.Write(line)
				broken = err != nil
			}
		}
		_ = stdin.Close()
	}()
	go func() {
		r := bufio.NewReaderSize(stdout, 1<<20)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				close(w.answers)
				return
			}
			w.answers <- line
		}
	}()
	go func() {
		_, _ = io.Copy(w.stderr, stderr)
		close(w.done)
	}()
	return w, nil
}

// stop kills a worker that has not ended by itself.
func (w *worker) stop() {
	close(w.in)
	if w.cmd.Process != nil {
		_ = w.cmd.Process.Kill()
	}
	for range w.answers {
	}
	<-w.done
	_ = w.cmd.Wait()
}

// headBuffer keeps the first limit bytes written to it: the reason a Go program died comes first,
// the goroutine dump after it can run to megabytes.
type headBuffer struct {
	mu    sync.Mutex
	buf   []byte
	limit int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.limit - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (h *headBuffer) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.buf)
}

var (
	// A frame's function line in a Go traceback, and the file:line under it.
	frameFunc = regexp.MustCompile(`^(github\.com/moby/buildkit/\S+?)\(`)
	frameFile = regexp.MustCompile(`^\s+\S*/(github\.com/moby/buildkit@[^/]+/)(\S+:\d+)`)
)

// crashReason turns the stderr of a dead Go program into one line: its panic or fatal error, and
// the first BuildKit function on the failing goroutine's stack.
func crashReason(stderr string, waitErr error) string {
	lines := strings.Split(stderr, "\n")
	reason := ""
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "panic: "):
			reason = l
			if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "[signal ") {
				reason += " " + lines[i+1]
			}
		case strings.HasPrefix(l, "fatal error: "):
			reason = l
			if i > 0 && strings.HasPrefix(lines[i-1], "runtime: goroutine stack exceeds") {
				reason += " (" + strings.TrimPrefix(lines[i-1], "runtime: ") + ")"
			}
		default:
			continue
		}
		break
	}
	if reason == "" {
		reason = "the oracle worker died"
		if waitErr != nil {
			reason += " (" + waitErr.Error() + ")"
		}
		if first := strings.TrimSpace(lines[0]); first != "" {
			reason += ": " + first
		}
		return reason
	}
	for i, l := range lines {
		if m := frameFunc.FindStringSubmatch(l); m != nil {
			reason += " in " + m[1]
			if i+1 < len(lines) {
				if f := frameFile.FindStringSubmatch(lines[i+1]); f != nil {
					reason += " (" + f[2] + ")"
				}
			}
			break
		}
	}
	return reason
}
