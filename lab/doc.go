// Package lab brings up a real Linux NFS server (nfsd) in a QEMU guest so that
// nfstrace can be exercised, tested and benchmarked against the real thing:
// this project never pretends to be nfsd.
//
// The guest is built from Debian packages and cached outside the repository
// (see Paths): a debootstrap "minbase" bookworm root file system with
// nfs-kernel-server, Debian's 6.1 and 6.12 cloud kernels with their modules,
// and, per run, the nfstrace binary, a load generator and the scenarios. The
// whole root file system travels in the initramfs, so a boot needs no disk
// image beyond two scratch disks: vda (the device under the NFS export) and
// vdb (the results, a tar archive written by the guest and read here without
// mounting anything).
//
// Scenarios are data (lab/scenarios/*.conf): the guest runs each one, nfstrace
// inside it, and reports every step on the serial console. The host enforces a
// deadline on the whole boot and names the step that was running if the guest
// had to be killed, so a hung guest never hangs the caller.
//
// The lab is a tool of its own: the product does not import it.
package lab
