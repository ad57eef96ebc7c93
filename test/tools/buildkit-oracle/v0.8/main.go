// Command buildkit-oracle reads Dockerfiles exactly as github.com/moby/buildkit v0.8.3 (the
// frontend built into Docker Engine 20.10) does, for differential tests of Dockyard's own reader.
// Protocol: see ../protocol.
package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"

	"dockyard.test/tools/buildkit-oracle/protocol"
	"github.com/containerd/containerd/platforms"
	"github.com/docker/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go/v1"
)

var linuxAMD64 = specs.Platform{OS: "linux", Architecture: "amd64"}

func main() {
	protocol.Main(read)
}

func read(req protocol.Request) protocol.Response {
	dt := []byte(req.Dockerfile)
	resp := protocol.Response{Directives: protocol.Directives{Escape: "\\"}}
	// frontend/dockerfile/builder/build.go (v0.8.3) hands the build to the `# syntax=` image this finds.
	if image, _, _, ok := dockerfile2llb.DetectSyntax(bytes.NewReader(dt)); ok {
		resp.Directives.Syntax = &image
	}

	result, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		resp.Reject(err)
		return resp
	}
	resp.Directives.Escape = string(result.EscapeToken)

	stages, metaArgs, err := instructions.Parse(result.AST)
	if err != nil {
		resp.Reject(err)
		return resp
	}
	resp.Stages, resp.Sources = describe(stages, metaArgs, result.EscapeToken, req.BuildArgs)

	// Decided before the conversion: a stack overflow inside it would end this process.
	if reason := unboundedRecursion(stages, metaArgs, result.EscapeToken, req.BuildArgs); reason != "" {
		resp.Reject(errors.New(reason))
		return resp
	}

	resolved, err := convert(dt, req.BuildArgs)
	if err != nil {
		resp.Reject(err)
	} else {
		resp.Resolved = resolved
	}
	return resp
}

// describe computes each stage's expanded base and platform and the --from values with the glue of
// frontend/dockerfile/dockerfile2llb/convert.go Dockerfile2LLB (v0.8.3), so stages the conversion
// never reaches are described too. v0.8.3 expands neither COPY --from nor RUN --mount from.
func describe(stages []instructions.Stage, metaArgs []instructions.ArgCommand, escape rune, buildArgs map[string]string) ([]protocol.Stage, []protocol.Source) {
	shlex := shell.NewLex(escape)
	optMetaArgs := expandMetaArgs(metaArgs, shlex, buildArgs)

	out := make([]protocol.Stage, 0, len(stages))
	var sources []protocol.Source
	for i, st := range stages {
		s := protocol.Stage{}
		if st.Name != "" {
			name := st.Name
			s.Name = &name
		}
		s.Base, _ = shlex.ProcessWordWithMap(st.BaseName, metaArgsToMap(optMetaArgs))
		if st.Platform != "" {
			p, _ := shlex.ProcessWordWithMap(st.Platform, metaArgsToMap(optMetaArgs))
			s.Platform = &p
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

// platformArgs is frontend/dockerfile/dockerfile2llb/platform.go getPlatformArgs (v0.8.3) with the
// build and target platform both linux/amd64.
func platformArgs() []instructions.KeyValuePairOptional {
	bp, tp := linuxAMD64, linuxAMD64
	m := map[string]string{
		"BUILDPLATFORM":  platforms.Format(bp),
		"BUILDOS":        bp.OS,
		"BUILDARCH":      bp.Architecture,
		"BUILDVARIANT":   bp.Variant,
		"TARGETPLATFORM": platforms.Format(tp),
		"TARGETOS":       tp.OS,
		"TARGETARCH":     tp.Architecture,
		"TARGETVARIANT":  tp.Variant,
	}
	opts := make([]instructions.KeyValuePairOptional, 0, len(m))
	for k, v := range m {
		s := v
		opts = append(opts, instructions.KeyValuePairOptional{Key: k, Value: &s})
	}
	return opts
}

// setKVValue and metaArgsToMap are frontend/dockerfile/dockerfile2llb/convert.go (v0.8.3).
func setKVValue(kvpo instructions.KeyValuePairOptional, values map[string]string) instructions.KeyValuePairOptional {
	if v, ok := values[kvpo.Key]; ok {
		kvpo.Value = &v
	}
	return kvpo
}

func metaArgsToMap(metaArgs []instructions.KeyValuePairOptional) map[string]string {
	m := map[string]string{}
	for _, arg := range metaArgs {
		m[arg.Key] = arg.ValueString()
	}
	return m
}

// recorder is a MetaResolver that answers every image with a one-layer linux/amd64 config and
// remembers what it was asked for.
type recorder struct {
	mu   sync.Mutex
	refs map[string]struct{}
}

const imageConfig = `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin:/bin"]},` +
	`"rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000001"]}}`

func (r *recorder) ResolveImageConfig(_ context.Context, ref string, _ llb.ResolveImageConfigOpt) (digest.Digest, []byte, error) {
	r.mu.Lock()
	r.refs[normalize(ref)] = struct{}{}
	r.mu.Unlock()
	return "", []byte(imageConfig), nil
}

// Docker Engine 20.10 supports every LLB capability this frontend asks for (FileOp included, so
// COPY does not fall back to the docker/dockerfile-copy helper image).
var allCaps = pb.Caps.CapSet(pb.Caps.All())

// convert runs the real conversion; the answer is every image it asked the resolver about plus
// every image source in the LLB it produced (v0.8.3 never resolves COPY --from and RUN --mount
// images, yet the build pulls them).
func convert(dt []byte, buildArgs map[string]string) ([]string, error) {
	rec := &recorder{refs: map[string]struct{}{}}
	args := make(map[string]string, len(buildArgs))
	for k, v := range buildArgs {
		args[k] = v
	}
	st, _, err := dockerfile2llb.Dockerfile2LLB(context.Background(), dt, dockerfile2llb.ConvertOpt{
		MetaResolver:   rec,
		BuildArgs:      args,
		BuildPlatforms: []specs.Platform{linuxAMD64},
		LLBCaps:        &allCaps,
	})
	if err != nil {
		return nil, err
	}
	def, err := st.Marshal(context.Background())
	if err != nil {
		return nil, err
	}
	for _, b := range def.Def {
		var op pb.Op
		if err := op.Unmarshal(b); err != nil {
			return nil, err
		}
		if src := op.GetSource(); src != nil {
			if ref := strings.TrimPrefix(src.Identifier, "docker-image://"); ref != src.Identifier {
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
