// Command buildkit-oracle reads Dockerfiles exactly as github.com/moby/buildkit v0.34.2 does, for
// differential tests of Dockyard's own reader. Protocol: see ../protocol.
package main

import (
	"bytes"
	"context"
	"strings"
	"sync"

	"dockyard.test/tools/buildkit-oracle/protocol"
	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

var linuxAMD64 = ocispecs.Platform{OS: "linux", Architecture: "amd64"}

func main() {
	protocol.Main(read)
}

func read(req protocol.Request) protocol.Response {
	dt := []byte(req.Dockerfile)
	resp := protocol.Response{Directives: directives(dt)}

	result, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		resp.Reject(err)
		return resp
	}
	resp.Directives.Escape = string(result.EscapeToken)

	stages, argCmds, err := instructions.Parse(result.AST, linter.New(&linter.Config{}))
	if err != nil {
		resp.Reject(err)
		return resp
	}
	resp.Stages, resp.Sources = describe(stages, argCmds, result.EscapeToken, req.BuildArgs)

	resolved, err := convert(dt, req.BuildArgs)
	if err != nil {
		resp.Reject(err)
	} else {
		resp.Resolved = resolved
	}
	return resp
}

func directives(dt []byte) protocol.Directives {
	d := protocol.Directives{Escape: "\\"}
	if image, _, _, ok := parser.DetectSyntax(dt); ok {
		d.Syntax = &image
	}
	if check, _, _, ok := parser.ParseDirective("check", dt); ok {
		d.Check = &check
	}
	return d
}

// describe computes each stage's expanded base and platform and the --from values, with the glue
// dockerfile2llb v0.34.2 uses (frontend/dockerfile/dockerfile2llb/convert.go toDispatchState,
// buildDispatchStates, toCommand; platform.go defaultArgs), so stages the conversion never reaches
// are described too.
func describe(stages []instructions.Stage, argCmds []instructions.ArgCommand, escape rune, buildArgs map[string]string) ([]protocol.Stage, []protocol.Source) {
	shlex := shell.NewLex(escape)
	target := ""
	if len(stages) > 0 {
		target = stages[len(stages)-1].Name
	}
	globalArgs := defaultArgs(buildArgs, target)
	globalArgs, _ = buildMetaArgs(globalArgs, shlex, argCmds, buildArgs)

	out := make([]protocol.Stage, 0, len(stages))
	var sources []protocol.Source
	for i, st := range stages {
		s := protocol.Stage{}
		if st.Name != "" {
			name := st.Name
			s.Name = &name
		}
		if globalArgs != nil {
			if m, err := shlex.ProcessWordWithMatches(st.BaseName, globalArgs); err == nil {
				s.Base = m.Result
			}
			if st.Platform != "" {
				if m, err := shlex.ProcessWordWithMatches(st.Platform, globalArgs); err == nil {
					p := m.Result
					s.Platform = &p
				}
			}
		}
		out = append(out, s)
		for _, cmd := range st.Commands {
			switch c := cmd.(type) {
			case *instructions.CopyCommand:
				if c.From != "" {
					sources = append(sources, protocol.Source{Stage: i, Via: "copy", From: c.From})
				}
			case *instructions.RunCommand:
				for _, m := range instructions.GetMounts(c) {
					if m.From != "" {
						sources = append(sources, protocol.Source{Stage: i, Via: "mount", From: m.From})
					}
				}
			}
		}
	}
	return out, sources
}

// defaultArgs is frontend/dockerfile/dockerfile2llb/platform.go defaultArgs (v0.34.2) with the
// build and target platform both linux/amd64 and the target implicit.
func defaultArgs(overrides map[string]string, target string) *llb.EnvList {
	bp, tp := linuxAMD64, linuxAMD64
	if target == "" {
		target = "default"
	}
	s := [...][2]string{
		{"BUILDPLATFORM", platforms.Format(bp)},
		{"BUILDOS", bp.OS},
		{"BUILDOSVERSION", bp.OSVersion},
		{"BUILDARCH", bp.Architecture},
		{"BUILDVARIANT", bp.Variant},
		{"TARGETPLATFORM", platforms.FormatAll(tp)},
		{"TARGETOS", tp.OS},
		{"TARGETOSVERSION", tp.OSVersion},
		{"TARGETARCH", tp.Architecture},
		{"TARGETVARIANT", tp.Variant},
		{"TARGETSTAGE", target},
	}
	env := &llb.EnvList{}
	for _, kv := range s {
		v := kv[1]
		if ov, ok := overrides[kv[0]]; ok {
			v = ov
		}
		env = env.AddOrReplace(kv[0], v)
	}
	return env
}

// buildMetaArgs is frontend/dockerfile/dockerfile2llb/convert.go buildMetaArgs (v0.34.2) without
// the dependency bookkeeping only its linter uses.
func buildMetaArgs(args *llb.EnvList, shlex *shell.Lex, argCommands []instructions.ArgCommand, buildArgs map[string]string) (*llb.EnvList, error) {
	for _, cmd := range argCommands {
		for _, kp := range cmd.Args {
			if v, ok := buildArgs[kp.Key]; !ok {
				if kp.Value != nil {
					result, err := shlex.ProcessWordWithMatches(*kp.Value, args)
					if err != nil {
						return nil, err
					}
					kp.Value = &result.Result
				}
			} else {
				kp.Value = &v
			}
			if kp.Value != nil {
				args = args.AddOrReplace(kp.Key, *kp.Value)
			}
		}
	}
	return args, nil
}

// recorder is a MetaResolver that answers every image with a one-layer linux/amd64 config and
// remembers what it was asked for.
type recorder struct {
	mu   sync.Mutex
	refs map[string]struct{}
}

const imageConfig = `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin:/bin"]},` +
	`"rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000001"]}}`

func (r *recorder) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	r.mu.Lock()
	r.refs[normalize(ref)] = struct{}{}
	r.mu.Unlock()
	return ref, "", []byte(imageConfig), nil
}

var allCaps = pb.Caps.CapSet(pb.Caps.All())

// convert runs the real conversion; the answer is every image it asked the resolver about plus
// every image source in the LLB it produced (the images a build of the default target pulls).
func convert(dt []byte, buildArgs map[string]string) ([]string, error) {
	rec := &recorder{refs: map[string]struct{}{}}
	args := make(map[string]string, len(buildArgs))
	for k, v := range buildArgs {
		args[k] = v
	}
	opt := dockerfile2llb.ConvertOpt{MetaResolver: rec, LLBCaps: &allCaps}
	opt.BuildArgs = args
	opt.BuildPlatforms = []ocispecs.Platform{linuxAMD64}
	res, err := dockerfile2llb.Dockerfile2LLB(context.Background(), dt, opt)
	if err != nil {
		return nil, err
	}
	def, err := res.State.Marshal(context.Background())
	if err != nil {
		return nil, err
	}
	for _, b := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(b); err != nil {
			return nil, err
		}
		if src := op.GetSource(); src != nil {
			if ref, ok := strings.CutPrefix(src.Identifier, "docker-image://"); ok {
				rec.refs[normalize(ref)] = struct{}{}
			}
		}
	}
	return protocol.SortedSet(rec.refs), nil
}

// normalize gives the docker.io/library/name:tag form (reference.TagNameOnly) of a reference.
func normalize(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ref
	}
	return reference.TagNameOnly(named).String()
}
