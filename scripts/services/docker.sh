#!/usr/bin/env bash
# Test services for the Docker backend: dockerd, a local image registry on
# 127.0.0.1:5000 and Podman's Docker-compatible API on a socket of its own.
#
#   scripts/services/docker.sh start   # install what is missing (root), start what is not running
#   scripts/services/docker.sh stop    # stop only what start started
#   scripts/services/docker.sh env     # print the variables the tests read
#
# Sourced, it defines docker_services_start and docker_services_stop; start
# exports the variables (DOCKER_HOST, CORRAL_TEST_REGISTRY,
# CORRAL_TEST_PODMAN_HOST) into the calling shell. It is idempotent: a
# second start reuses what runs. State (PIDs, logs, configs, the registry's
# storage) lives in $CORRAL_SERVICES_DIR (default /tmp/corral-services).
# Nothing here is installed or started unless the caller is root; without
# root it only reports what it finds.

_ds_state() { printf '%s' "${CORRAL_SERVICES_DIR:-/tmp/corral-services}/docker"; }
_ds_say() { printf 'services/docker: %s\n' "$*" >&2; }

# _ds_wait CMD…: poll CMD for up to 30 s.
_ds_wait() {
	local i
	for i in $(seq 1 300); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	return 1
}

# _ds_sock_answers SOCKET: the engine on a unix socket answers /_ping.
_ds_sock_answers() {
	[ -S "$1" ] || return 1
	if command -v curl >/dev/null 2>&1; then
		curl -fsS --max-time 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1
	else
		# No curl: a bare HTTP request through bash's /dev/tcp cannot reach
		# a unix socket; fall back to python3 if present, else trust -S.
		if command -v python3 >/dev/null 2>&1; then
			python3 - "$1" <<'PY' >/dev/null 2>&1
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sys.argv[1])
s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
sys.exit(0 if b" 200 " in s.recv(64) else 1)
PY
		else
			return 0
		fi
	fi
}

_ds_tcp_answers() { # host port
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

_ds_install() {
	local missing=()
	command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
	[ -x /bin/busybox ] || missing+=(busybox-static)
	command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
	command -v podman >/dev/null 2>&1 || missing+=(podman)
	command -v catatonit >/dev/null 2>&1 || [ -x /usr/libexec/podman/catatonit ] || missing+=(catatonit)
	command -v curl >/dev/null 2>&1 || missing+=(curl)
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		_ds_say "missing ${missing[*]} and not root: not installing"
		return 1
	fi
	_ds_say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# _ds_started NAME PID: remember that start started NAME.
_ds_started() { printf '%s\n' "$2" >"$(_ds_state)/$1.pid"; }

_ds_start_dockerd() {
	local st sock=/var/run/docker.sock
	st=$(_ds_state)
	if _ds_sock_answers "$sock"; then return 0; fi
	command -v dockerd >/dev/null 2>&1 || return 1
	[ "$(id -u)" = 0 ] || { _ds_say "dockerd not running and not root"; return 1; }
	# setsid: dockerd must not share the caller's process group (a Ctrl-C
	# of the test run would otherwise stop it before the tests clean up).
	setsid dockerd --host "unix://$sock" >"$st/dockerd.log" 2>&1 </dev/null &
	_ds_started dockerd $!
	if ! _ds_wait _ds_sock_answers "$sock"; then
		_ds_say "dockerd did not answer within 30 s; its log: $st/dockerd.log"
		tail -n 20 "$st/dockerd.log" >&2
		return 1
	fi
}

_ds_start_registry() {
	local st
	st=$(_ds_state)
	if _ds_tcp_answers 127.0.0.1 5000; then return 0; fi
	command -v docker-registry >/dev/null 2>&1 || return 1
	mkdir -p "$st/registry"
	cat >"$st/registry.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $st/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
YML
	setsid docker-registry serve "$st/registry.yml" >"$st/registry.log" 2>&1 </dev/null &
	_ds_started registry $!
	if ! _ds_wait _ds_tcp_answers 127.0.0.1 5000; then
		_ds_say "registry did not listen on 127.0.0.1:5000; its log: $st/registry.log"
		return 1
	fi
}

_ds_start_podman() {
	local st sock
	st=$(_ds_state)
	sock="$st/podman.sock"
	if _ds_sock_answers "$sock"; then return 0; fi
	command -v podman >/dev/null 2>&1 || return 1
	[ "$(id -u)" = 0 ] || { _ds_say "podman service not running and not root"; return 1; }
	# root here lacks CAP_SYS_RESOURCE: podman's default ulimits exceed the
	# hard limits and every container start would fail (ENVIRONMENT.md).
	cat >"$st/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
CONF
	# The local registry speaks plain HTTP; dockerd trusts 127.0.0.0/8 by
	# default, podman must be told.
	cat >"$st/registries.conf" <<CONF
[[registry]]
location = "127.0.0.1:5000"
insecure = true
CONF
	rm -f "$sock"
	CONTAINERS_CONF="$st/containers.conf" CONTAINERS_REGISTRIES_CONF="$st/registries.conf" setsid podman system service --time=0 "unix://$sock" >"$st/podman.log" 2>&1 </dev/null &
	_ds_started podman $!
	if ! _ds_wait _ds_sock_answers "$sock"; then
		_ds_say "podman service did not answer on $sock; its log: $st/podman.log"
		return 1
	fi
}

_ds_exports() {
	local st
	st=$(_ds_state)
	export DOCKER_HOST=unix:///var/run/docker.sock
	export CORRAL_TEST_REGISTRY=127.0.0.1:5000
	export CORRAL_TEST_PODMAN_HOST="unix://$st/podman.sock"
	export CONTAINERS_CONF="$st/containers.conf"
}

docker_services_start() {
	local st rc=0
	st=$(_ds_state)
	mkdir -p "$st" && chmod 0700 "$st"
	_ds_install || rc=1
	_ds_start_dockerd || { _ds_say "dockerd unavailable"; rc=1; }
	_ds_start_registry || { _ds_say "registry unavailable"; rc=1; }
	_ds_start_podman || { _ds_say "podman service unavailable"; rc=1; }
	_ds_exports
	return $rc
}

# _ds_stop_one NAME: TERM what start recorded, then KILL after 10 s. The
# PID is checked against the command start ran, so a recycled PID is left
# alone.
_ds_stop_one() {
	local st f pid comm i
	st=$(_ds_state)
	f="$st/$1.pid"
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
	case "$1:$comm" in
	dockerd:dockerd | registry:docker-registr* | podman:podman) ;;
	*) rm -f "$f"; return 0 ;;
	esac
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$f"
}

docker_services_stop() {
	_ds_stop_one podman
	_ds_stop_one registry
	_ds_stop_one dockerd
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -uo pipefail
	case "${1:-}" in
	start) docker_services_start ;;
	stop) docker_services_stop ;;
	env) _ds_exports; printf 'export DOCKER_HOST=%q CORRAL_TEST_REGISTRY=%q CORRAL_TEST_PODMAN_HOST=%q CONTAINERS_CONF=%q\n' \
		"$DOCKER_HOST" "$CORRAL_TEST_REGISTRY" "$CORRAL_TEST_PODMAN_HOST" "$CONTAINERS_CONF" ;;
	*) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
	esac
fi
