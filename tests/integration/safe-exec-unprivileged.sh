#!/bin/bash
# safe-exec.sh against an unprivileged container (security { privileged = false } from the
# world's global defaults): the CVE-2019-5736 protection must hold in both modes.
LXM_TEST_MODE=unprivileged exec bash "$(dirname "$0")/safe-exec.sh"
