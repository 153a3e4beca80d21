#!/usr/bin/env bash
# Installs the Perimeter agent on a Mac as a LaunchDaemon running as the hidden, non-admin user
# _perimeter: the user and its group, the config, the data and log directories, the plist, and
# (only with --with-powermetrics) the sudoers rule for powermetrics. Then loads it into launchd.
# Also the privileged readers (docs/least-privilege.md): three root launchd jobs, each one fixed
# command line (packages/agent/src/privileged/macos-privileged-jobs.ts), writing files in
# /var/log/perimeter that group _perimeter may read, rotated by /etc/newsyslog.d/perimeter.conf.
#
# Idempotent: every step first looks at what is there and acts only on a difference, so a second
# run prints "ok:" lines and "nothing to change". --dry-run runs the same look-ups (read-only:
# dscl -read/-list, launchctl print, stat, cmp, visudo -c) and prints each command that would
# change something as "+ command" instead of running it. --uninstall undoes every step.
#
# It does not install Node or the agent itself; it checks that they are where the plist points:
#   /usr/local/lib/perimeter/node/bin/node   Node >= 22.18
#   /usr/local/lib/perimeter/app             this repository, after `pnpm install && pnpm build:agent`
#
# PERIMETER_DESTDIR (default empty) prefixes every path this script writes, as DESTDIR does for
# `make install`; tests use it to stage an existing install. Paths inside the plist are not changed.
set -euo pipefail

LABEL=com.perimeter.agent
AGENT_USER=_perimeter
AGENT_GROUP=_perimeter
REAL_NAME='Perimeter agent'
DEST=${PERIMETER_DESTDIR:-}

DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PLIST_SRC=$DEPLOY_DIR/launchd/$LABEL.plist
SUDOERS_SRC=$DEPLOY_DIR/sudoers/perimeter-powermetrics
CONFIG_EXAMPLE=$DEPLOY_DIR/macos/agent.yaml

PLIST_DST=$DEST/Library/LaunchDaemons/$LABEL.plist
SUDOERS_DST=$DEST/etc/sudoers.d/perimeter-powermetrics
CONFIG_DIR=$DEST/usr/local/etc/perimeter
CONFIG_DST=$CONFIG_DIR/agent.yaml
DATA_DIR=$DEST/usr/local/var/perimeter/agent
LOG_DIR=$DEST/usr/local/var/log/perimeter
NODE_BIN=$DEST/usr/local/lib/perimeter/node/bin/node
AGENT_CLI=$DEST/usr/local/lib/perimeter/app/packages/agent/dist/perimeter-agent.js
TOKEN_PLACEHOLDER=REPLACE_WITH_NODE_TOKEN
# The privileged readers: labels in the order of MACOS_PRIVILEGED_JOBS, and their output files.
READER_LABELS=(com.perimeter.login-reader com.perimeter.remote-login-reader com.perimeter.listeners-reader)
READER_OUTPUTS=(logins.ndjson remote-login.txt listeners.txt)
READER_DIR=$DEST/var/log/perimeter
NEWSYSLOG_SRC=$DEPLOY_DIR/macos/newsyslog-perimeter.conf
NEWSYSLOG_DST=$DEST/etc/newsyslog.d/perimeter.conf
# System accounts live below 500 (macOS puts people at 501 and up); search this range for an id
# free as both a UID and a GID, from the top, away from Apple's own low ids.
ID_MIN=200
ID_MAX=499

usage() {
  cat <<EOF
Usage: sudo deploy/macos/install.sh [--config FILE] [--with-powermetrics] [--dry-run]
       sudo deploy/macos/install.sh --uninstall [--dry-run]

Installs the Perimeter agent as the LaunchDaemon $LABEL running as the hidden,
non-admin user $AGENT_USER, and loads it (launchctl bootstrap system).

  --config FILE        agent config to install as ${CONFIG_DST#"$DEST"} (0600 $AGENT_USER);
                       without it an existing config is kept, else deploy/macos/agent.yaml is
                       installed and the agent is not loaded until its token is filled in
  --with-powermetrics  also install deploy/sudoers/perimeter-powermetrics into /etc/sudoers.d
                       (checked with visudo -cf first; 0440 root:wheel); set
                       hardware.powermetricsViaSudo: true in the config to use it
  --dry-run            print every command that would change something; change nothing
                       (runs without root)
  --uninstall          unload the agent and remove the plist, sudoers rule, config, data, logs,
                       user and group
  -h, --help           this text

Running it again changes only what differs; "nothing to change" means the install is complete.
EOF
}

DRY_RUN=0
UNINSTALL=0
WITH_POWERMETRICS=0
CONFIG_SRC=
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) DRY_RUN=1 ;;
    --uninstall) UNINSTALL=1 ;;
    --with-powermetrics) WITH_POWERMETRICS=1 ;;
    --config)
      [ $# -ge 2 ] || { echo "install.sh: --config needs a FILE" >&2; exit 2; }
      CONFIG_SRC=$2
      shift
      ;;
    --config=*) CONFIG_SRC=${1#--config=} ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "install.sh: unknown option $1 (see --help)" >&2
      exit 2
      ;;
  esac
  shift
done

die() {
  echo "install.sh: $*" >&2
  exit 1
}
note() { echo "$*"; }

CHANGES=0
# Runs a command that changes the system, or prints it under --dry-run.
change() {
  CHANGES=$((CHANGES + 1))
  if [ "$DRY_RUN" = 1 ]; then
    local quoted
    quoted=$(printf ' %q' "$@")
    echo "+${quoted}"
  else
    echo "+ $*"
    "$@"
  fi
}

if [ "$(id -u)" != 0 ] && [ "$DRY_RUN" = 0 ]; then
  die "must run as root (sudo $0 …); --dry-run and --help work without it"
fi
[ "$UNINSTALL" = 1 ] && [ -n "$CONFIG_SRC" ] && die "--config makes no sense with --uninstall"
[ -n "$CONFIG_SRC" ] && [ ! -f "$CONFIG_SRC" ] && die "--config $CONFIG_SRC: no such file"

user_exists() { dscl . -read "/Users/$AGENT_USER" UniqueID >/dev/null 2>&1; }
group_exists() { dscl . -read "/Groups/$AGENT_GROUP" PrimaryGroupID >/dev/null 2>&1; }
# The second field of `dscl . -read … KEY` ("KEY: value").
dscl_value() { dscl . -read "$1" "$2" 2>/dev/null | awk -v key="$2:" '$1 == key { print $2 }'; }
loaded() { launchctl print "system/${1:-$LABEL}" >/dev/null 2>&1; }
# "owner:group mode" of a path: BSD stat on macOS, GNU stat elsewhere (tests on Linux).
if stat --version >/dev/null 2>&1; then
  owner_mode() { stat -c '%U:%G %a' "$1"; }
else
  owner_mode() { stat -f '%Su:%Sg %Lp' "$1"; }
fi

free_id() {
  local used id
  used=$({
    dscl . -list /Users UniqueID | awk '{ print $2 }'
    dscl . -list /Groups PrimaryGroupID | awk '{ print $2 }'
  } | sort -n -u)
  for ((id = ID_MAX; id >= ID_MIN; id--)); do
    if ! grep -qx "$id" <<<"$used"; then
      echo "$id"
      return 0
    fi
  done
  die "no free id between $ID_MIN and $ID_MAX for $AGENT_USER"
}

# An existing path given this owner and mode where it differs.
ensure_owner_mode() {
  local path=$1 mode=$2 owner=$3
  if [ "$(owner_mode "$path")" != "$owner ${mode#0}" ]; then
    change chown "$owner" "$path"
    change chmod "$mode" "$path"
  else
    note "ok: $path ($owner $mode)"
  fi
}

# A directory with this owner and mode, created or corrected.
ensure_dir() {
  local path=$1 mode=$2 owner=$3
  if [ ! -d "$path" ]; then
    change install -d -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$path"
  else
    ensure_owner_mode "$path" "$mode" "$owner"
  fi
}

# A file with this content, owner and mode, installed or corrected.
ensure_file() {
  local src=$1 path=$2 mode=$3 owner=$4
  if [ ! -f "$path" ] || ! cmp -s "$src" "$path"; then
    change install -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$src" "$path"
    return 0
  elif [ "$(owner_mode "$path")" != "$owner ${mode#0}" ]; then
    change chown "$owner" "$path"
    change chmod "$mode" "$path"
    return 0
  fi
  note "ok: $path ($owner $mode)"
  return 1
}

install_account() {
  local id
  if group_exists && user_exists; then
    note "ok: user $AGENT_USER ($(dscl_value "/Users/$AGENT_USER" UniqueID)) and group $AGENT_GROUP exist"
  else
    if group_exists; then
      id=$(dscl_value "/Groups/$AGENT_GROUP" PrimaryGroupID)
    else
      id=$(free_id)
      change dscl . -create "/Groups/$AGENT_GROUP"
      change dscl . -create "/Groups/$AGENT_GROUP" PrimaryGroupID "$id"
      change dscl . -create "/Groups/$AGENT_GROUP" RealName "$REAL_NAME"
      change dscl . -create "/Groups/$AGENT_GROUP" Password '*'
    fi
    if ! user_exists; then
      # Only the user's own group: never admin, wheel or staff.
      change dscl . -create "/Users/$AGENT_USER"
      change dscl . -create "/Users/$AGENT_USER" UniqueID "$id"
      change dscl . -create "/Users/$AGENT_USER" PrimaryGroupID "$id"
      change dscl . -create "/Users/$AGENT_USER" UserShell /usr/bin/false
      change dscl . -create "/Users/$AGENT_USER" NFSHomeDirectory /var/empty
      change dscl . -create "/Users/$AGENT_USER" RealName "$REAL_NAME"
      change dscl . -create "/Users/$AGENT_USER" Password '*'
      change dscl . -create "/Users/$AGENT_USER" IsHidden 1
    fi
  fi
  # An agent user with admin rights defeats the point; refuse rather than quietly edit a group.
  if dscl . -read /Groups/admin GroupMembership 2>/dev/null | tr ' ' '\n' | grep -qx "$AGENT_USER"; then
    die "$AGENT_USER is in the admin group; remove it (dseditgroup -o edit -d $AGENT_USER -t user admin) and run again"
  fi
}

check_runtime() {
  local problem=
  if [ ! -x "$NODE_BIN" ]; then
    problem="no Node at $NODE_BIN (install Node >= 22.18 there)"
  elif ! "$NODE_BIN" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)'; then
    problem="$NODE_BIN is $("$NODE_BIN" --version); the agent needs >= 22.18"
  elif [ ! -f "$AGENT_CLI" ]; then
    problem="no agent at $AGENT_CLI (copy the repository to ${AGENT_CLI%/packages/*} and run pnpm install && pnpm build:agent there)"
  fi
  if [ -n "$problem" ]; then
    [ "$DRY_RUN" = 1 ] || die "$problem"
    echo "warning: $problem" >&2
  fi
}

# An empty file with this owner and mode (launchd appends to it and keeps both).
ensure_empty_file() {
  local path=$1 mode=$2 owner=$3
  if [ ! -e "$path" ]; then
    change install -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" /dev/null "$path"
  else
    ensure_owner_mode "$path" "$mode" "$owner"
  fi
}

# The root readers: files first (so launchd appends to a file the agent's group may read), then
# the plists, loaded or reloaded when they changed.
install_readers() {
  local i label plist changed
  ensure_dir "$READER_DIR" 0750 "root:$AGENT_GROUP"
  for i in "${!READER_LABELS[@]}"; do
    ensure_empty_file "$READER_DIR/${READER_OUTPUTS[$i]}" 0640 "root:$AGENT_GROUP"
  done
  ensure_dir "$(dirname "$NEWSYSLOG_DST")" 0755 root:wheel
  ensure_file "$NEWSYSLOG_SRC" "$NEWSYSLOG_DST" 0644 root:wheel || true
  for label in "${READER_LABELS[@]}"; do
    plist=$DEST/Library/LaunchDaemons/$label.plist
    if command -v plutil >/dev/null 2>&1; then
      plutil -lint -s "$DEPLOY_DIR/launchd/$label.plist" || die "$label.plist is not a valid plist"
    fi
    changed=0
    ensure_file "$DEPLOY_DIR/launchd/$label.plist" "$plist" 0644 root:wheel && changed=1
    if loaded "$label" && [ "$changed" = 1 ]; then
      change launchctl bootout "system/$label"
      change launchctl bootstrap system "${plist#"$DEST"}"
    elif loaded "$label"; then
      note "ok: $label is loaded"
    else
      change launchctl bootstrap system "${plist#"$DEST"}"
    fi
  done
}

uninstall_readers() {
  local label path
  for label in "${READER_LABELS[@]}"; do
    if loaded "$label"; then change launchctl bootout "system/$label"; else note "ok: $label is not loaded"; fi
    path=$DEST/Library/LaunchDaemons/$label.plist
    if [ -e "$path" ]; then change rm -f "$path"; else note "ok: $path is absent"; fi
  done
  if [ -e "$NEWSYSLOG_DST" ]; then change rm -f "$NEWSYSLOG_DST"; else note "ok: $NEWSYSLOG_DST is absent"; fi
  if [ -e "$READER_DIR" ]; then change rm -rf "$READER_DIR"; else note "ok: $READER_DIR is absent"; fi
}

do_install() {
  check_runtime
  if command -v plutil >/dev/null 2>&1; then
    plutil -lint -s "$PLIST_SRC" || die "$PLIST_SRC is not a valid plist"
  fi
  install_account

  ensure_dir "$DATA_DIR" 0700 "$AGENT_USER:$AGENT_GROUP"
  ensure_dir "$LOG_DIR" 0700 "$AGENT_USER:$AGENT_GROUP"
  ensure_dir "$CONFIG_DIR" 0755 root:wheel
  install_readers

  local restart=0 config_text_src
  if [ -n "$CONFIG_SRC" ]; then
    ensure_file "$CONFIG_SRC" "$CONFIG_DST" 0600 "$AGENT_USER:$AGENT_GROUP" && restart=1
    config_text_src=$CONFIG_SRC
  elif [ -f "$CONFIG_DST" ]; then
    note "ok: keeping $CONFIG_DST (pass --config FILE to replace it)"
    ensure_file "$CONFIG_DST" "$CONFIG_DST" 0600 "$AGENT_USER:$AGENT_GROUP" || true
    config_text_src=$CONFIG_DST
  else
    ensure_file "$CONFIG_EXAMPLE" "$CONFIG_DST" 0600 "$AGENT_USER:$AGENT_GROUP" || true
    config_text_src=$CONFIG_EXAMPLE
  fi

  if [ "$WITH_POWERMETRICS" = 1 ]; then
    # Check the rule before it goes where sudo reads it: a broken sudoers.d file breaks sudo.
    visudo -c -f "$SUDOERS_SRC" >/dev/null || die "visudo -cf $SUDOERS_SRC failed; not installing it"
    ensure_dir "$(dirname "$SUDOERS_DST")" 0755 root:wheel
    if ensure_file "$SUDOERS_SRC" "$SUDOERS_DST" 0440 root:wheel && [ "$DRY_RUN" = 0 ]; then
      visudo -c -f "$SUDOERS_DST" >/dev/null || {
        rm -f "$SUDOERS_DST"
        die "visudo rejected $SUDOERS_DST; removed it"
      }
    fi
    grep -q 'powermetricsViaSudo: *true' "$config_text_src" ||
      echo "note: set hardware.powermetricsViaSudo: true in the config to use the sudoers rule" >&2
  elif [ -f "$SUDOERS_DST" ]; then
    note "ok: leaving $SUDOERS_DST from an earlier --with-powermetrics (--uninstall removes it)"
  fi

  local plist_changed=0
  ensure_file "$PLIST_SRC" "$PLIST_DST" 0644 root:wheel && plist_changed=1

  if grep -q "$TOKEN_PLACEHOLDER" "$config_text_src"; then
    echo "warning: ${CONFIG_DST#"$DEST"} still has the placeholder token; not loading $LABEL." >&2
    echo "         Put the node's token in it (perimeter-collector tokens create --node ID) and run again." >&2
  elif loaded && [ "$plist_changed" = 1 ]; then
    # launchd reads a plist only when it is bootstrapped: a changed one needs a reload.
    change launchctl bootout "system/$LABEL"
    change launchctl bootstrap system "${PLIST_DST#"$DEST"}"
  elif loaded; then
    if [ "$restart" = 1 ]; then
      change launchctl kickstart -k "system/$LABEL"
    else
      note "ok: $LABEL is loaded"
    fi
  else
    if launchctl print-disabled system 2>/dev/null | grep -Eq "\"$LABEL\" => (disabled|true)"; then
      change launchctl enable "system/$LABEL"
    fi
    change launchctl bootstrap system "${PLIST_DST#"$DEST"}"
  fi
}

do_uninstall() {
  if loaded; then
    change launchctl bootout "system/$LABEL"
  else
    note "ok: $LABEL is not loaded"
  fi
  uninstall_readers
  local path
  for path in "$PLIST_DST" "$SUDOERS_DST" "$CONFIG_DST"; do
    if [ -e "$path" ]; then change rm -f "$path"; else note "ok: $path is absent"; fi
  done
  for path in "$DATA_DIR" "$LOG_DIR"; do
    if [ -e "$path" ]; then change rm -rf "$path"; else note "ok: $path is absent"; fi
  done
  # The config directory only if nothing but our config is in it (a baseline.yaml stays).
  if [ -d "$CONFIG_DIR" ]; then
    if [ -z "$(find "$CONFIG_DIR" -mindepth 1 -maxdepth 1 ! -name agent.yaml)" ]; then
      change rmdir "$CONFIG_DIR"
    else
      note "ok: leaving $CONFIG_DIR (it holds other files)"
    fi
  fi
  if user_exists; then change dscl . -delete "/Users/$AGENT_USER"; else note "ok: no user $AGENT_USER"; fi
  if group_exists; then change dscl . -delete "/Groups/$AGENT_GROUP"; else note "ok: no group $AGENT_GROUP"; fi
}

if [ "$UNINSTALL" = 1 ]; then do_uninstall; else do_install; fi

if [ "$CHANGES" = 0 ]; then
  note "nothing to change"
elif [ "$DRY_RUN" = 1 ]; then
  note "dry run: $CHANGES change(s) planned, none made"
else
  note "done: $CHANGES change(s)"
fi
