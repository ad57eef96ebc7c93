// Package protocol is the line protocol every oracle binary speaks, whatever BuildKit it links:
// one JSON request per stdin line, one JSON answer per stdout line, in the same order, flushed.
package protocol

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
)

// Request is one Dockerfile to read.
type Request struct {
	ID         string            `json:"id"`
	Dockerfile string            `json:"dockerfile"`
	BuildArgs  map[string]string `json:"buildArgs"`
}

// Directives are the parser directives as the linked BuildKit reads them.
type Directives struct {
	Escape string  `json:"escape"`
	Syntax *string `json:"syntax"`
	Check  *string `json:"check"`
}

// Stage is one FROM, in file order.
type Stage struct {
	Name     *string `json:"name"`
	Base     string  `json:"base"`
	Platform *string `json:"platform"`
}

// Source is a COPY/ADD --from or RUN --mount from= value.
type Source struct {
	Stage int    `json:"stage"`
	Via   string `json:"via"`
	From  string `json:"from"`
}

// Response is what the linked BuildKit makes of one Dockerfile.
type Response struct {
	ID         string     `json:"id"`
	Rejected   bool       `json:"rejected"`
	Error      string     `json:"error,omitempty"`
	Directives Directives `json:"directives"`
	Stages     []Stage    `json:"stages"`
	Sources    []Source   `json:"sources"`
	Resolved   []string   `json:"resolved"`
}

// Reject marks the response as refused by BuildKit, keeping the first reason.
func (r *Response) Reject(err error) {
	if r.Rejected {
		return
	}
	r.Rejected = true
	r.Error = err.Error()
}

// SortedSet returns the distinct values, sorted.
func SortedSet(values map[string]struct{}) []string {
	out := make([]string, 0, len(values))
	for v := range values {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Serve answers requests from stdin until EOF, in this process. A panic inside read on the calling
// goroutine (BuildKit code hitting input it never expected) becomes a rejection with the panic text.
// A panic on another goroutine, a stack overflow or running out of memory still ends the process:
// Main guards against those.
func Serve(read func(Request) Response) {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			var req Request
			var resp Response
			if jerr := json.Unmarshal(line, &req); jerr != nil {
				resp = Response{ID: req.ID, Rejected: true, Error: "oracle: bad request: " + jerr.Error()}
			} else {
				resp = safely(read, req)
			}
			if resp.Stages == nil {
				resp.Stages = []Stage{}
			}
			if resp.Sources == nil {
				resp.Sources = []Source{}
			}
			if resp.Resolved == nil {
				resp.Resolved = []string{}
			}
			if werr := enc.Encode(&resp); werr != nil {
				fmt.Fprintln(os.Stderr, "oracle:", werr)
				os.Exit(1)
			}
			if werr := out.Flush(); werr != nil {
				os.Exit(1)
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "oracle:", err)
			os.Exit(1)
		}
	}
}

func safely(read func(Request) Response, req Request) (resp Response) {
	defer func() {
		if p := recover(); p != nil {
			resp = Response{ID: req.ID, Rejected: true, Error: fmt.Sprintf("panic: %v", p)}
		}
	}()
	resp = read(req)
	resp.ID = req.ID
	return resp
}
