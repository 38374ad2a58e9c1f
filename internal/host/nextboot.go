package host

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// How NextBoot found the kernel the next boot starts.
const (
	FromNewest    = "newest in /boot"         // no GRUB configuration, or one that could not be resolved
	FromDefault   = "grub default"            // set default="..." in grub.cfg
	FromSaved     = "grub saved_entry"        // GRUB_DEFAULT=saved and grubenv's saved_entry (grub-set-default)
	FromNextEntry = "grub next_entry"         // grubenv's next_entry: the next boot only (grub-reboot)
	FromFirst     = "grub first menu entry"   // default 0 or the simple entry: the first kernel in grub.cfg
	fromUnknown   = "grub default unresolved" // appended to FromNewest
)

// NextBoot returns the kernel release the boot loader starts next, as far as
// the boot directory tells, and how it found out. With a GRUB configuration
// (boot/grub/grub.cfg or boot/grub2/grub.cfg) it follows the default entry:
// a fixed entry, the saved entry (GRUB_DEFAULT=saved, grub-set-default) or a
// one-time next_entry (grub-reboot) from grubenv, naming a kernel by menu
// entry id ("gnulinux-4.4.0-3-amd64-advanced-UUID"), by title ("... with
// Linux 4.4.0-3-amd64"), or as the first entry. Otherwise, and when the entry
// cannot be resolved (a numeric path into a submenu), it is the newest of
// installed. The 2017 incident is the case this is for: a kernel installed
// and not booted yet, or a boot loader pinned to an older one.
func NextBoot(bootDir string, installed []string) (release, from string, err error) {
	newest := ""
	if n := len(installed); n > 0 {
		newest = installed[n-1]
	}
	var cfg []byte
	var dir string
	for _, d := range []string{"grub", "grub2"} {
		dir = filepath.Join(bootDir, d)
		cfg, err = readCapped(filepath.Join(dir, "grub.cfg"), MaxFileSize*4)
		if err == nil {
			break
		}
		if !absent(err) && !errors.Is(err, fs.ErrPermission) {
			return "", "", fmt.Errorf("read boot loader configuration: %w", err)
		}
	}
	if cfg == nil {
		return newest, FromNewest, nil
	}
	env, err := readCapped(filepath.Join(dir, "grubenv"), MaxFileSize)
	if err != nil && !absent(err) && !errors.Is(err, fs.ErrPermission) {
		return "", "", fmt.Errorf("read boot loader environment: %w", err)
	}
	vars := parseGrubEnv(env)

	spec, from := grubDefault(cfg), FromDefault
	switch {
	case vars["next_entry"] != "":
		spec, from = vars["next_entry"], FromNextEntry
	case spec == "${saved_entry}":
		spec, from = vars["saved_entry"], FromSaved
		if spec == "" {
			spec = "0"
		}
	}
	if rel := grubEntryRelease(spec); rel != "" {
		return rel, from, nil
	}
	if spec == "0" || strings.HasPrefix(spec, "gnulinux-simple-") {
		if rel := grubFirstKernel(cfg); rel != "" {
			return rel, FromFirst, nil
		}
	}
	return newest, FromNewest + ", " + fromUnknown + " " + fmt.Sprintf("%q", spec), nil
}

// grubDefault returns the default entry grub.cfg sets: the last `set
// default=` that is not the one-time ${next_entry} (Debian's grub.cfg sets
// it in the if branch and the real default in the else branch). "0" when
// there is none.
func grubDefault(cfg []byte) string {
	def := "0"
	for len(cfg) > 0 {
		var line []byte
		line, cfg = nextLine(cfg)
		v, ok := bytes.CutPrefix(trimSpace(line), []byte("set default="))
		if !ok {
			continue
		}
		s := strings.Trim(string(trimSpace(v)), `"'`)
		if s != "${next_entry}" {
			def = s
		}
	}
	return def
}

// parseGrubEnv parses a grubenv block: NAME=value lines padded with '#'.
func parseGrubEnv(b []byte) map[string]string {
	vars := make(map[string]string)
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if k, v, ok := bytes.Cut(line, []byte("=")); ok {
			vars[string(k)] = string(v)
		}
	}
	return vars
}

// grubEntryRelease returns the kernel release a menu entry spec names, or
// "". The spec may be a path through submenus ("submenu>entry"); the last
// part counts. It recognises the ids of Debian's and Ubuntu's 10_linux
// ("gnulinux-RELEASE-advanced-UUID", "...-recovery-UUID") and their titles
// ("Debian GNU/Linux, with Linux RELEASE").
func grubEntryRelease(spec string) string {
	if i := strings.LastIndexByte(spec, '>'); i >= 0 {
		spec = spec[i+1:]
	}
	if rest, ok := strings.CutPrefix(spec, "gnulinux-"); ok {
		for _, kind := range []string{"-advanced-", "-recovery-"} {
			if i := strings.LastIndex(rest, kind); i > 0 && !strings.ContainsAny(rest[:i], " \t") {
				return rest[:i]
			}
		}
		return ""
	}
	if _, rel, ok := strings.Cut(spec, "with Linux "); ok {
		rel = strings.TrimSuffix(rel, " (recovery mode)")
		if f := strings.Fields(rel); len(f) > 0 {
			return f[0]
		}
	}
	return ""
}

// grubFirstKernel returns the release of the first "linux .../vmlinuz-RELEASE"
// line of grub.cfg: the kernel of the first menu entry.
func grubFirstKernel(cfg []byte) string {
	for len(cfg) > 0 {
		var line []byte
		line, cfg = nextLine(cfg)
		cmd, rest := nextField(line)
		if string(cmd) != "linux" && string(cmd) != "linux16" && string(cmd) != "linuxefi" {
			continue
		}
		image, _ := nextField(rest)
		if _, rel, ok := bytes.Cut(image, []byte("vmlinuz-")); ok && len(rel) > 0 {
			return string(rel)
		}
	}
	return ""
}
