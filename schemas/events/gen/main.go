// Command gen generates the Go code of schemas/events/v1/event.proto (package eventv1) without
// a protoc binary: protocompile compiles the .proto, and the plugins protoc-gen-go and
// protoc-gen-go-vtproto, pinned as tools in go.mod, are fed the request protoc would send
// them. Run it from the module root (make generate).
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/pluginpb"
)

const (
	importPath = "schemas/events/v1"
	file       = "event.proto"
	module     = "github.com/meridian-cs/meridian"
)

// plugins and their parameters; module= writes files at their path in this module.
var plugins = []struct{ tool, param string }{
	{"protoc-gen-go", "module=" + module},
	{"protoc-gen-go-vtproto", "module=" + module + ",features=marshal+unmarshal+unmarshal_unsafe+size"},
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	c := protocompile.Compiler{
		Resolver:       protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: []string{importPath}}),
		SourceInfoMode: protocompile.SourceInfoStandard, // keeps the .proto's comments in the code
	}
	files, err := c.Compile(context.Background(), file)
	if err != nil {
		return err
	}
	req := &pluginpb.CodeGeneratorRequest{FileToGenerate: []string{file}}
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) { // dependencies first, as protoc orders them
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		for i := range fd.Imports().Len() {
			add(fd.Imports().Get(i).FileDescriptor)
		}
		req.ProtoFile = append(req.ProtoFile, protodesc.ToFileDescriptorProto(fd))
	}
	add(files[0])
	for _, p := range plugins {
		req.Parameter = proto.String(p.param)
		if err := generate(p.tool, req); err != nil {
			return err
		}
	}
	return nil
}

// generate runs one plugin with `go tool` and writes the files it returns.
func generate(tool string, req *pluginpb.CodeGeneratorRequest) error {
	in, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "tool", tool)
	cmd.Stdin, cmd.Stderr = bytes.NewReader(in), os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s: %w", tool, err)
	}
	var resp pluginpb.CodeGeneratorResponse
	if err := proto.Unmarshal(out, &resp); err != nil {
		return fmt.Errorf("%s: %w", tool, err)
	}
	if resp.Error != nil {
		return fmt.Errorf("%s: %s", tool, resp.GetError())
	}
	for _, f := range resp.File {
		if err := os.MkdirAll(filepath.Dir(f.GetName()), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f.GetName(), []byte(f.GetContent()), 0o644); err != nil {
			return err
		}
	}
	return nil
}
