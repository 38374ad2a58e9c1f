package host

import (
	"path/filepath"
	"strings"
	"testing"
)

// debianCfg is the part of a Debian grub.cfg NextBoot reads, with def as the
// default of the else branch.
func debianCfg(def string) string {
	return `if [ "${next_entry}" ] ; then
   set default="${next_entry}"
   set next_entry=
else
   set default="` + def + `"
fi
menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'gnulinux-simple-u1' {
	linux	/boot/vmlinuz-4.9.0-0.bpo.3-amd64 root=UUID=u1 ro quiet
}
submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-u1' {
	menuentry 'Debian GNU/Linux, with Linux 4.9.0-0.bpo.3-amd64' --class debian $menuentry_id_option 'gnulinux-4.9.0-0.bpo.3-amd64-advanced-u1' {
		linux	/boot/vmlinuz-4.9.0-0.bpo.3-amd64 root=UUID=u1 ro quiet
	}
	menuentry 'Debian GNU/Linux, with Linux 4.4.0-3-amd64' --class debian $menuentry_id_option 'gnulinux-4.4.0-3-amd64-advanced-u1' {
		linux	/boot/vmlinuz-4.4.0-3-amd64 root=UUID=u1 ro quiet
	}
}
`
}

func env(vars string) string { return "# GRUB Environment Block\n" + vars + strings.Repeat("#", 200) }

func TestNextBoot(t *testing.T) {
	installed := []string{"4.4.0-3-amd64", "4.9.0-0.bpo.3-amd64", "4.9.0-3-amd64"}
	tests := []struct {
		name  string
		files map[string]string
		want  string
		from  string
	}{
		{name: "no grub: newest installed", files: nil, want: "4.9.0-3-amd64", from: FromNewest},
		{name: "default 0: first entry", files: map[string]string{"grub/grub.cfg": debianCfg("0")},
			want: "4.9.0-0.bpo.3-amd64", from: FromFirst},
		{name: "saved entry by id through the submenu", files: map[string]string{
			"grub/grub.cfg": debianCfg("${saved_entry}"),
			"grub/grubenv":  env("saved_entry=gnulinux-advanced-u1>gnulinux-4.4.0-3-amd64-advanced-u1\n")},
			want: "4.4.0-3-amd64", from: FromSaved},
		{name: "saved entry by title", files: map[string]string{
			"grub/grub.cfg": debianCfg("${saved_entry}"),
			"grub/grubenv":  env("saved_entry=Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 4.4.0-3-amd64 (recovery mode)\n")},
			want: "4.4.0-3-amd64", from: FromSaved},
		{name: "saved default never set: first entry", files: map[string]string{
			"grub/grub.cfg": debianCfg("${saved_entry}"), "grub/grubenv": env("")},
			want: "4.9.0-0.bpo.3-amd64", from: FromFirst},
		{name: "grub-reboot next_entry wins", files: map[string]string{
			"grub/grub.cfg": debianCfg("0"),
			"grub/grubenv":  env("saved_entry=gnulinux-4.9.0-0.bpo.3-amd64-advanced-u1\nnext_entry=gnulinux-4.4.0-3-amd64-advanced-u1\n")},
			want: "4.4.0-3-amd64", from: FromNextEntry},
		{name: "fixed default id", files: map[string]string{"grub2/grub.cfg": debianCfg("gnulinux-4.4.0-3-amd64-advanced-u1")},
			want: "4.4.0-3-amd64", from: FromDefault},
		{name: "simple entry id", files: map[string]string{"grub/grub.cfg": debianCfg("gnulinux-simple-u1")},
			want: "4.9.0-0.bpo.3-amd64", from: FromFirst},
		{name: "numeric path into the submenu: unresolved", files: map[string]string{"grub/grub.cfg": debianCfg("1>2")},
			want: "4.9.0-3-amd64", from: FromNewest + `, grub default unresolved "1>2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tt.files)
			got, from, err := NextBoot(dir, installed)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || from != tt.from {
				t.Errorf("NextBoot = %q (%s), want %q (%s)", got, from, tt.want, tt.from)
			}
		})
	}
	if got, from, err := NextBoot(filepath.Join(t.TempDir(), "none"), nil); got != "" || from != FromNewest || err != nil {
		t.Errorf("no boot dir: %q %q %v", got, from, err)
	}
}

func TestNextBootFixtures(t *testing.T) {
	tests := []struct{ host, want, from string }{
		// grub-set-default pinned labstore1004 to 4.4 while it runs 4.9.
		{"k4.9-nfsd-busy", "4.4.0-3-amd64", FromSaved},
		{"k4.9-no-nfsd", "4.9.0-0.bpo.3-amd64", FromNewest},
		// 6.12.107 is installed, first in the menu, and not booted yet.
		{"k6.12-nfsd", "6.12.107+deb12-amd64", FromFirst},
	}
	for _, tt := range tests {
		st, err := fixtureReader(t, tt.host, "t0").Static()
		if err != nil {
			t.Fatal(err)
		}
		if st.NextBootKernel != tt.want || st.NextBootFrom != tt.from {
			t.Errorf("%s: next boot %q (%s), want %q (%s)", tt.host, st.NextBootKernel, st.NextBootFrom, tt.want, tt.from)
		}
	}
}
