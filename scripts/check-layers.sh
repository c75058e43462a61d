#!/usr/bin/env bash
# Checks that every file under src/ includes only folders of its own layer or below it (the layers
# of docs/architecture.md). Prints each include that runs upward and exits 1 when there is one.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A layer=(
  [core]=0
  [http]=1 [policy]=1 [placement]=1 [queue]=1 [store]=1
  [llm]=2 [milp]=2 [emulator]=2
  [planning]=3 [gateway]=3
  [scheduler]=4
  [sim]=5 [serve]=5
  [cli]=6
)

violations=0
for folder in src/*/; do
  folder=$(basename "$folder")
  if [[ -z ${layer[$folder]+set} ]]; then
    echo "src/$folder: not in a layer of scripts/check-layers.sh" >&2
    violations=$((violations + 1))
    continue
  fi
  while IFS=: read -r file line included; do
    target=${included#*\"}
    target=${target%%/*}
    [[ $target == "$folder" || -z ${layer[$target]+set} ]] && continue
    if ((layer[$target] > layer[$folder])); then
      echo "$file:$line: $folder (layer ${layer[$folder]}) includes $target (layer ${layer[$target]})"
      violations=$((violations + 1))
    fi
  done < <(grep -rnoE '#include "[a-z_]+/' "src/$folder" || true)
done
if ((violations > 0)); then
  echo "check-layers: $violations include(s) run upward" >&2
  exit 1
fi
echo "check-layers: every include runs down or across"
