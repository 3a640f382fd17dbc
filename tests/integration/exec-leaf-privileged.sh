#!/bin/bash
# exec-leaf.sh against a privileged container (its root is host root).
LXM_TEST_MODE=privileged exec bash "$(dirname "$0")/exec-leaf.sh"
