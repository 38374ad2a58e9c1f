#!/bin/sh
# Prints the Debian version of the checked-out tree: from a tag vX.Y.Z,
# X.Y.Z (plus +N.gHASH for N commits after it); without a tag,
# 0~gitYYYYMMDD.HASH from the commit date. A dirty tree adds +dirty.
set -eu
hash=$(git rev-parse --short=7 HEAD)
if d=$(git describe --tags --match 'v[0-9]*' 2>/dev/null); then
  v=${d#v}
  case $v in
  *-*-g*) base=${v%-*-g*}; rest=${v#"$base"-}; v="$base+${rest%%-g*}.g$hash" ;;
  esac
else
  v="0~git$(git log -1 --format=%cd --date=format:%Y%m%d).$hash"
fi
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  v="$v+dirty"
fi
echo "$v"
