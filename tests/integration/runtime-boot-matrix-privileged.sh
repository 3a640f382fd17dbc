#!/bin/bash
# The boot matrix with `security { privileged = true }`: the explicit opt-in keeps working.
LXCMGR_BOOT_MODE=privileged exec "$(dirname "$0")/runtime-boot-matrix.sh"
