#!/bin/sh
# dracut pre-mount hook (initramfs without systemd). dracut sources hooks into its init, so this
# only starts the capture script as its own process: its exits and variables cannot touch init.
if [ -x /usr/bin/kdump-failover-capture ]; then
    /usr/bin/kdump-failover-capture
fi
