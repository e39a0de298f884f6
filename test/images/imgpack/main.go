// imgpack writes a one-layer container image as a tarball that `ctr images import` loads, from
// files on this machine: the test images need no registry and no Docker engine. It uses
// go-containerregistry, the library crane and ko are built on.
//
//	imgpack -o out.tar -tag paas.local/testapp:1 -entrypoint /testapp \
//	    -add /testapp=./testapp -add /bin/busybox=/bin/busybox -link /bin/sh=busybox -dir /tmp
//	imgpack -o python.tar -tag paas.local/python-asgi:1 -entrypoint /usr/bin/python3 -tree /=./rootfs
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var adds, links, dirs, envs, trees list
	out := flag.String("o", "", "output tarball")
	tag := flag.String("tag", "", "image reference, e.g. paas.local/testapp:1")
	entrypoint := flag.String("entrypoint", "", "entrypoint, space-separated")
	user := flag.String("user", "", "user (uid[:gid])")
	arch := flag.String("arch", runtime.GOARCH, "architecture the config names")
	flag.Var(&adds, "add", "DEST=SRC: a file (mode kept)")
	flag.Var(&links, "link", "DEST=TARGET: a symlink")
	flag.Var(&dirs, "dir", "DIR: an empty directory, mode 1777 for /tmp, else 0755")
	flag.Var(&envs, "env", "K=V")
	flag.Var(&trees, "tree", "DEST=DIR: every directory, file (mode kept) and symlink under DIR, in order")
	flag.Parse()
	if *out == "" || *tag == "" {
		fail("-o and -tag are required")
	}
	ref, err := name.NewTag(*tag)
	check(err)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	// Fixed times: the same inputs give the same image digest.
	epoch := time.Unix(0, 0)
	made := map[string]bool{}
	mkdir := func(dir string, mode int64) {
		parts := strings.Split(strings.Trim(dir, "/"), "/")
		for i := range parts {
			p := strings.Join(parts[:i+1], "/")
			if p == "" || made[p] {
				continue
			}
			made[p] = true
			m := int64(0o755)
			if i == len(parts)-1 && mode != 0 {
				m = mode
			}
			check(tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: p + "/", Mode: m, ModTime: epoch}))
		}
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		mode := int64(0o755)
		if d == "/tmp" {
			mode = 0o1777
		}
		mkdir(d, mode)
	}
	for _, a := range adds {
		dest, src, ok := strings.Cut(a, "=")
		if !ok {
			fail("-add wants DEST=SRC, got " + a)
		}
		data, err := os.ReadFile(src)
		check(err)
		st, err := os.Stat(src)
		check(err)
		mkdir(path.Dir(dest), 0)
		check(tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(dest, "/"), Mode: int64(st.Mode().Perm()), Size: int64(len(data)), ModTime: epoch}))
		_, err = tw.Write(data)
		check(err)
	}
	for _, t := range trees {
		dest, dir, ok := strings.Cut(t, "=")
		if !ok {
			fail("-tree wants DEST=DIR, got " + t)
		}
		addTree(tw, dest, dir, made, mkdir, epoch)
	}
	for _, l := range links {
		dest, target, ok := strings.Cut(l, "=")
		if !ok {
			fail("-link wants DEST=TARGET, got " + l)
		}
		mkdir(path.Dir(dest), 0)
		check(tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: strings.TrimPrefix(dest, "/"), Linkname: target, Mode: 0o777, ModTime: epoch}))
	}
	check(tw.Close())
	layerBytes := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layerBytes)), nil })
	check(err)

	img, err := mutate.AppendLayers(empty.Image, layer)
	check(err)
	cfg, err := img.ConfigFile()
	check(err)
	cfg = cfg.DeepCopy()
	cfg.OS = "linux"
	cfg.Architecture = *arch
	cfg.Created = v1.Time{Time: epoch}
	cfg.Config.Entrypoint = strings.Fields(*entrypoint)
	cfg.Config.User = *user
	cfg.Config.Env = append([]string{"PATH=/bin"}, envs...)
	cfg.Config.WorkingDir = "/"
	img, err = mutate.ConfigFile(img, cfg)
	check(err)
	check(tarball.WriteToFile(*out, ref, img))
	d, err := img.Digest()
	check(err)
	fmt.Printf("%s %s\n", ref.String(), d.String())
}

// addTree writes the tree under dir at dest: directories (mode kept), regular files and symlinks,
// in lexical order (the same tree gives the same layer). Other file types are refused.
func addTree(tw *tar.Writer, dest, dir string, made map[string]bool, mkdir func(string, int64), epoch time.Time) {
	check(filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := strings.Trim(path.Join(dest, filepath.ToSlash(rel)), "/")
		if name == "" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			mkdir(path.Dir(name), 0)
			if made[name] {
				return nil
			}
			made[name] = true
			mode := int64(info.Mode().Perm())
			if info.Mode()&fs.ModeSticky != 0 {
				mode |= 0o1000
			}
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: epoch})
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			mkdir(path.Dir(name), 0)
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777, ModTime: epoch})
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			mkdir(path.Dir(name), 0)
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(info.Mode().Perm()), Size: int64(len(data)), ModTime: epoch}); err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		}
		return fmt.Errorf("%s: not a directory, file or symlink", p)
	}))
}

func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "imgpack:", msg)
	os.Exit(1)
}
