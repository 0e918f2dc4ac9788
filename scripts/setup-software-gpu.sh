#!/usr/bin/env bash
# Makes WebGPU usable on a Debian/Ubuntu machine with no GPU.
# Dawn needs lavapipe from Mesa >= 24 (bookworm's own 22.3 is rejected for missing
# shaderUniform*ArrayDynamicIndexing); on bookworm that Mesa comes from bookworm-backports.
# It also installs the EGL/GLES pieces for Dawn's OpenGL ES backend on llvmpipe: the fallback the
# tensor package takes by itself where no Vulkan adapter exists (the tests exercise it too), and
# the only path where Mesa >= 24 cannot be had.
# Idempotent: when everything is already installed it does nothing and says so.
set -euo pipefail

say() { printf '[setup-software-gpu] %s\n' "$*"; }

if [ "${CLEARCLIP_SKIP_GPU_SETUP:-}" = 1 ]; then say "CLEARCLIP_SKIP_GPU_SETUP=1: nothing done"; exit 0; fi
if [ "$(uname -s)" != Linux ] || ! command -v dpkg-query >/dev/null 2>&1; then
  say "not a Debian-like Linux: nothing to do (a real GPU driver or the OS's WebGPU is used)"; exit 0
fi

mesa_major() {
  local v
  v=$(dpkg-query -W -f='${Status} ${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  case "$v" in "install ok installed "*) v=${v#install ok installed }; v=${v#*:}; echo "${v%%.*}";; *) echo 0;; esac
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
gles_ok() { installed libegl1 && installed libegl-mesa0 && installed libgles2; }

have=$(mesa_major)
if [ "$have" -ge 24 ] && [ -n "$(ls /usr/share/vulkan/icd.d/lvp_icd* 2>/dev/null)" ] && gles_ok; then
  say "lavapipe from Mesa $have and the EGL/GLES fallback already installed: nothing to do"; exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else say "need root (or sudo) to install packages"; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive

. /etc/os-release
codename=${VERSION_CODENAME:-}
if [ "$codename" = bookworm ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  say "adding the bookworm-backports suite"
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
fi
say "apt-get update"
$SUDO apt-get update -qq
if [ "$codename" = bookworm ]; then
  say "installing mesa-vulkan-drivers from bookworm-backports"
  $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 libegl1 libegl-mesa0 libgles2 >/dev/null || true
else
  say "installing mesa-vulkan-drivers"
  $SUDO apt-get install -y -qq mesa-vulkan-drivers libvulkan1 libegl1 libegl-mesa0 libgles2 >/dev/null || true
fi
have=$(mesa_major)
if [ "$have" -ge 24 ]; then
  say "lavapipe from Mesa $have installed, with the EGL/GLES fallback"
else
  say "Mesa >= 24 not available (have: $have); installing the OpenGL ES fallback (llvmpipe through EGL)"
  $SUDO apt-get install -y -qq libegl1 libegl-mesa0 libgles2 >/dev/null
  say "fallback installed: the tensor package will use Dawn's OpenGL ES backend (compatibility mode)"
fi
