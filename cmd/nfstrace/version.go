package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
)

// Set by the linker in a release build (make build):
// -ldflags "-X main.version=... -X main.commit=... -X main.buildDate=...".
var (
	version   = "dev"
	commit    = ""
	buildDate = ""
)

func runVersion(_ context.Context, io stdio, args []string) error {
	fs := newFlagSet(io, "version")
	if err := parseFlags(io, fs, args); err != nil {
		return err
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(io.out, versionLine(version, commit, buildDate, bi))
	return nil
}

// versionLine says which nfstrace this is: the version, commit and build
// date the linker set in a release build, or for a plain `go build` what the
// Go toolchain recorded (vcs.revision, vcs.time, vcs.modified).
func versionLine(version, commit, date string, bi *debug.BuildInfo) string {
	var parts []string
	goVersion := ""
	settings := map[string]string{}
	if bi != nil {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
	}
	if commit == "" {
		commit = settings["vcs.revision"]
		if commit != "" && settings["vcs.modified"] == "true" {
			commit += "-dirty"
		}
	}
	if commit != "" {
		parts = append(parts, "commit "+commit)
	} else {
		parts = append(parts, "commit unknown")
	}
	switch {
	case date != "":
		parts = append(parts, "built "+date)
	case settings["vcs.time"] != "":
		parts = append(parts, "committed "+settings["vcs.time"])
	}
	if goVersion != "" {
		parts = append(parts, goVersion)
	}
	return fmt.Sprintf("nfstrace %s (%s)", version, strings.Join(parts, ", "))
}
