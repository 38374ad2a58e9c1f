#!/bin/sh
# PID 1 of a lab guest booted with systemd (lab.RunConfig.Systemd): makes
# lab.target the default target and hands PID 1 over to systemd. lab.target is
# basic.target plus lab.service, which runs the usual guest steps
# (/lab/init.sh) under systemd; nothing of multi-user.target (getty, the NFS
# services' own units) is started.
mount -t proc proc /proc
echo "LAB: handing PID 1 to systemd at $(cut -d' ' -f1 /proc/uptime)s"
ln -sf /etc/systemd/system/lab.target /etc/systemd/system/default.target
# basic.target would start rpcbind's socket, which the guest's steps start
# themselves (as without systemd), and the periodic jobs of the packages.
rm -f /etc/systemd/system/sockets.target.wants/rpcbind.socket /etc/systemd/system/timers.target.wants/*
exec /lib/systemd/systemd
echo "LAB: exec systemd failed"
echo o >/proc/sysrq-trigger
