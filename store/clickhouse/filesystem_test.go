//go:build linux

package clickhouse

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// The check reads the device's name through sysfs and trusts only an explicit "<none>".
func TestJournalLessExt4(t *testing.T) {
	sys := t.TempDir()
	mk := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(major, minor, target string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(sys, "dev", "block"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(sys, "dev", "block", major+":"+minor)); err != nil {
			t.Fatal(err)
		}
	}
	link("253", "0", "../../devices/pci0000:00/0000:00:05.0/virtio2/block/vda")
	mk(filepath.Join(sys, "fs", "ext4", "vda", "journal_task"), "<none>\n")
	link("8", "1", "../../devices/pci0000:00/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1")
	mk(filepath.Join(sys, "fs", "ext4", "sda1", "journal_task"), "jbd2/sda1-8\n")
	link("8", "2", "../../devices/pci0000:00/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda2")

	for _, c := range []struct {
		name         string
		fsType       int64
		major, minor uint32
		want         bool
	}{
		{"ext4 without a journal", unix.EXT4_SUPER_MAGIC, 253, 0, true},
		{"ext4 with one", unix.EXT4_SUPER_MAGIC, 8, 1, false},
		{"ext4, sysfs silent", unix.EXT4_SUPER_MAGIC, 8, 2, false},
		{"unknown device", unix.EXT4_SUPER_MAGIC, 9, 9, false},
		{"xfs on the journal-less name", unix.XFS_SUPER_MAGIC, 253, 0, false},
	} {
		if got := journalLessExt4(sys, c.fsType, c.major, c.minor); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if FilesystemWarning(filepath.Join(sys, "missing")) != "" {
		t.Error("a missing directory got a warning")
	}
}
