#!/usr/bin/env bash
# The benchmark on a hardware GPU: checks that Vulkan can see one (not only a software driver), says what is
# missing and how to add it if not, prints the adapter Dawn picks, tunes, and runs `npm run bench -- --json`.
#   bash scripts/gpu-bench.sh [OUT.json] [extra bench args...]
# Set ALLOW_SOFTWARE=1 to run anyway on a software adapter (lavapipe / SwiftShader).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench-gpu.json}"
shift || true
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

# Vulkan ICD manifests the loader will read: VK_ICD_FILENAMES / VK_DRIVER_FILES override the standard folders.
icds=()
if [[ -n "${VK_ICD_FILENAMES:-${VK_DRIVER_FILES:-}}" ]]; then
  IFS=: read -r -a icds <<<"${VK_ICD_FILENAMES:-${VK_DRIVER_FILES:-}}"
else
  for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    [[ -d "$d" ]] && for f in "$d"/*.json; do [[ -e "$f" ]] && icds+=("$f"); done
  done
fi
hardware=()
for f in "${icds[@]}"; do
  case "$(basename "$f")" in
    lvp_icd*|*swiftshader*|*mock*) ;;   # software drivers
    *) hardware+=("$f") ;;
  esac
done
echo "[gpu-bench] Vulkan ICDs: ${icds[*]:-none}"
hint() {
  cat >&2 <<'MSG'
  NVIDIA:  install the proprietary driver with its Vulkan ICD (Debian/Ubuntu: nvidia-driver + libnvidia-gl-<ver>,
           which installs /usr/share/vulkan/icd.d/nvidia_icd.json); in a container run with
           --gpus all -e NVIDIA_DRIVER_CAPABILITIES=compute,graphics,utility so the ICD and libGLX_nvidia are mounted.
  AMD / Intel: Mesa's Vulkan drivers (apt-get install mesa-vulkan-drivers: radeon_icd / intel_icd) and access to
           /dev/dri (container: --device /dev/dri).
  Check with `vulkaninfo --summary` (apt-get install vulkan-tools).
MSG
}
if [[ ${#hardware[@]} -eq 0 ]]; then
  echo "[gpu-bench] No hardware Vulkan driver manifest found (only software ones, or none)." >&2
  hint
  if [[ "${ALLOW_SOFTWARE:-}" != 1 ]]; then exit 2; fi
  echo "[gpu-bench] ALLOW_SOFTWARE=1: continuing on a software adapter"
fi
# Mesa installs manifests for Intel and AMD whether or not such a GPU exists, so ask Dawn what it really gets.
if ! node --conditions=clearclip-source --import tsx -e '
  const { GpuDevice, adapterFingerprint, adapterClass } = await import("@clearclip/tensor");
  const d = await GpuDevice.create();
  console.log(`[gpu-bench] adapter: ${d.describe()}\n[gpu-bench] fingerprint: ${adapterFingerprint(d)} (${adapterClass(d)})`);
  const soft = adapterClass(d) === "software";
  d.destroy();
  if (soft && process.env.ALLOW_SOFTWARE !== "1") { console.error("[gpu-bench] Dawn found no hardware adapter: it picked the software one above"); process.exit(2); }
'; then
  hint
  exit 2
fi
npm run -s bench -- --json "$out" "$@"
