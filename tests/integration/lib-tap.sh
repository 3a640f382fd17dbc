#!/bin/bash
# lib.sh's own TAP accounting, on small scripts that source it: a run that matches its plan
# passes; fewer tests than planned, more than planned (a check added without its plan: only
# automake's driver said so, a test run by hand passed) or a failed test make the script fail.
. "$(dirname "$0")/lib.sh"
plan 8

LIB=$(cd "$(dirname "$0")" && pwd)/lib.sh
WORK=$(mktemp -d /tmp/lxm-lib-tap.XXXXXX)
defer "rm -rf '$WORK'"
# tap_run NAME BODY STATUS: runs BODY after sourcing lib.sh, expecting exit STATUS ($OUT, $ERR)
tap_run() {
	printf '. %q\n%s\n' "$LIB" "$2" >"$WORK/$1.sh"
	run_expect_exit "$3" bash "$WORK/$1.sh"
}

tap_run exact 'plan 2; ok one; ok two' 0
tap_run more 'plan 1; ok one; ok two' 1
like "$OUT$ERR" "ran 2 tests, more than the plan's 1" "it says why"
tap_run fewer 'plan 3; ok one' 1
like "$OUT" "not ok 2 - script stopped early \\(exit status 0\\) after test 1 of 3" "a missing test is a failing one"
tap_run failed 'plan 2; ok one; not_ok two' 1
tap_run stopped 'plan 2; ok one; exit 3' 1
like "$OUT" "script stopped early \\(exit status 3\\)" "with the exit status"
