"""Generated commands of chosen programs, classified by this tree and by another revision.

For each program a table of its options, operands and risky values; commands are seeded
random combinations of them (0 to 6 words), the same in both trees. Prints, per program, how
many distinct commands get a lower or a higher tier than in the base revision, and the first
lower ones; with --json one JSON object. Used when a program's rule moves between a handler
and an entry, where the corpora hold few of its forms.

    python bench/classify_generated.py --base main
    python bench/classify_generated.py --base main --programs less,more --per-program 3000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = ("read_only", "workspace", "network", "high", "critical")
WORDS: dict[str, list[str]] = {
    "at": "-l -c -r -d -f job.sh -q b -m now + 1 minute 12 -V -t 202601010000 ~/.bashrc $x",
    "batch": "-l -r -f job.sh -c 3",
    "ssh-keygen": "-l -f ~/.ssh/id_rsa -y -F github.com -R -B -p -c -C x -t ed25519 -N '' -s ca "
    "-I id -V +52w key.pub -lf -E md5 -yf -A -K -D lib.so -e -i -m PEM -Y sign -n file -q $k",
    "sysctl": "-a -n -w -p --system vm.swappiness vm.swappiness=10 kernel/hostname "
    "../../../home/dev/.ssh/id_rsa -r net -e -q --write $x -N /etc/sysctl.conf --load=x",
    "security": "cms -D -i x.mobileprovision -o out.plist ~/.bashrc -S -N me -k login.keychain "
    "-c d -h 0 -n find-generic-password -w -s github list -q dump-keychain ~/.ssh/id_rsa -E -C "
    "-p pw -v",
    "gitleaks": "detect protect git dir stdin version --redact --redact=50 -v --no-git --source . "
    "/home/dev -r report.json ~/.bashrc --report-path -c .gitleaks.toml --log-opts --all "
    "--staged --no-banner -f json --baseline-path b.json -s",
    "grep": "-r -R -n -e AKIA TODO password /home / ~ src . -l -i --include *.env -f pats.txt "
    "/home/dev/.ssh $x -E 'BEGIN RSA PRIVATE KEY' --recursive -A 3 ~/.aws id_rsa -h",
    "egrep": "-r AKIA /home src -e secret_key ~ -n",
    "fgrep": "-r AKIA /home src -e token ~ -n",
    "ag": "AKIA /home src --pager less -G x ~ password /",
    "ack": "AKIA /home src --type py ~ password --pager cat /",
    "locate": "id_rsa README.md -i *.pem .env -r credentials $x -b",
    "mlocate": "id_rsa README.md -i",
    "less": "README.md '+!id' +G '+|tee x' -o log.txt ~/.bashrc -N -p pat ~/.ssh/id_rsa -O /tmp/x "
    "--log-file=~/.profile -k keys -R -S +/TODO -- $f -ox -# 4 -j 2",
    "more": "README.md '+!id' +10 ~/.aws/credentials -d -p x",
    "ansible": "all status list webservers localhost -m shell ping setup -a reboot 'rm -rf ~' -i "
    "prod /tmp/hosts --list-hosts -b --tree out /home/dev/.config/autostart -e x=1 "
    "--vault-password-file v.sh -u root -k --check",
    "ansible-playbook": "site.yml show.yml list-users.yml deploy.yml -i prod /tmp/inv.py "
    "--syntax-check --list-tasks --list-hosts --check --diff -e x=1 --vault-id dev@v.sh -l web "
    "-t tag /home/dev/other/site.yml -M /tmp/mods -b -K --flush-cache",
    "watch": "-n 5 -d -x --exec -- ls -la 'rm -rf ~' rm -rf ~ git push $c -q 3 --differences "
    "-t -g 'curl x | sh' --interval=2 -b",
    "eval": "ls -la 'rm -rf ~' rm -rf ~ -- git push $c \"$(curl -s x)\" echo hi -n",
    "logsave": "-a -s -v /dev/null build.log ~/.bashrc make git push rm -rf ~ ls -- $f -x",
    "perf": "stat record report script annotate list top trace -e cycles -a -p 1 -g -o "
    "build/p.data ~/.bashrc -- make ls rm -rf ~ -s x.py --objdump=/tmp/x -u 0 -C 0 -d -x "
    "--exec-path=/tmp --no-pager -i",
    "kill": "-l -L --list -9 -1 1 -- %1 %% %+ %- 4242 -s KILL HUP -TERM -KILL $(pgrep x) -n "
    "0 -SIGHUP %2 -q 5 --table $p",
    "script": "-q -c -qc --command 'git status' make 'rm -rf ~' /dev/null build.log ~/.bashrc "
    "-O -I -B -T -t --log-out=x.log --timing=t.log 5 -E always -f -a $c --",
    "dd": "if=/dev/zero of=build/f of=/dev/sda if=/dev/sda count=1 bs=1M of=~/.bashrc "
    "if=~/.ssh/id_rsa status=progress of=/dev/null iflag=count_bytes if=build/a conv=notrunc",
    "wget": "-q -O - -O- ~/.bashrc build/a.tgz https://x.example/a -P /tmp -P build -o log.txt "
    "--post-file ~/.ssh/id_rsa --post-data a=1 --method=DELETE -e robots=off -i urls.txt -c "
    "--config=/tmp/rc --output-d=~/.profile -a ~/.bash_history --save-cookies c.txt -nv $u",
    "aria2c": "-x 4 -d build -d ~/.config/autostart -o a.iso -i urls.txt https://x.example/a "
    "--on-download-complete=/tmp/h.sh --enable-rpc -c --out=~/.bashrc -l log.txt -s 8 "
    "--conf-path=x.conf ~/.ssh/id_rsa -T a.torrent $u --dir=/tmp",
    "sftp": "-b batch.txt host.example -P 22 -i ~/.ssh/id_rsa -o x=y deploy@h:/srv $h",
    "unzip": "-l -t -p -c -v -Z -o -q -d build -d ~/.ssh -d /tmp dist/a.zip ~/.ssh/k.zip "
    "README.md -x a.txt -P pw $z -n",
    "shred": "-u -z -n 3 -f -v build/a ~/.bash_history /dev/sda --random-source=/dev/urandom "
    "-s 10 tmp.txt $f",
    "wipe": "-r -f -q build ~/.ssh /dev/sda tmp.txt",
    "curl": "-sS -L -o - -o ~/.bashrc -o build/a https://x.example/a -O -J --output-dir "
    "~/.config/autostart -d @~/.ssh/id_rsa -d a=1 -F f=@notes.txt -X POST -X GET -H @h.txt -K "
    "cfg -T - --json {} file:///etc/passwd -D /tmp/h --url file:///home/dev/.ssh/id_rsa $u -u "
    "me:pw -d @- --data-binary @/home/dev/.netrc -c jar",
    "curlie": "-o ~/.bashrc https://x.example -d @notes.txt -O post a=1",
    "xh": "--offline --curl post get https://x.example a=1 f=@~/.ssh/id_rsa -o ~/.bashrc -o "
    "out.json -d -X POST --json $u",
    "http": "--offline POST GET https://x.example a=1 f@notes.txt -o ~/.profile -d --session s",
    "nc": "-e /bin/sh -c id -l -v -z -vc -n -p 4444 localhost x.example 80 --exec -q 1 -lvnp $h",
    "socat": "- TCP:x.example:80 EXEC:/bin/sh SYSTEM:id -d -d TCP-LISTEN:8080 STDIO -e",
    "telnet": "localhost 25 -e x -l root x.example",
    "dc": "-e '2 3 + p' '!rm -rf ~' -f calc.dc -f ~/.ssh/id_rsa ~/.bashrc p.dc -V --file=x",
    "sudo": "-u root -g wheel -V --version -s -i -E -n -- ls rm -rf ~ git push -l $c -e /etc/hosts",
    "doas": "-u root -V -s -n -- ls rm -rf ~ git push $c",
    "su": "- root -c 'ls' 'rm -rf ~' -s /bin/sh -l dev --command=id $c",
    "pkexec": "--user root --version ls rm -rf ~ -- $c",
    "chroot": "/srv/jail ls rm -rf ~ --userspec=1:1 -- $c",
    "runuser": "-u dev -l -c 'rm -rf ~' ls -- git push -g x -s /bin/sh $c",
    "nsenter": "-t 1 -m -u -n ls rm -rf ~ --target 1 -- $c",
    "make": "test install -n -C /tmp/x -C ~/other -C build -f /tmp/x.mk -f Makefile.ci CC=/tmp/cc "
    "SHELL=/bin/sh PREFIX=/usr/install --eval x -j4 -I /tmp -I inc deploy -q -p --recon "
    "--dir=/etc clean $t -s -k -B",
    "rg": "-n TODO AKIA src ~ / -l --files -g '*.pem' -g '*.py' --pre /tmp/x --pre ./pre.sh "
    "--hostname-bin id -e password -f pats.txt -r x -t py ~/.ssh -i --type-list /home $p -uu",
    "zip": "-r -m -rm --move out.zip src .git ~/.ssh/id_rsa -sf -x a -TT 'rm -rf ~' -T -O "
    "/tmp/o.zip -q $f",
    "7z": "l t a x e d u rn h i b dist/a.7z out.7z src ~/.ssh -obuild -o/home/dev/.config "
    "-sdel -p -pSECRET -t7z -y -so -si $f -r ~/.bashrc",
}


def generate(programs: list[str], per_program: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    found: dict[str, None] = {}
    for name in programs:
        words = WORDS[name].split(" ")
        for _ in range(per_program):
            found[" ".join([name, *rng.choices(words, k=rng.randint(0, 6))])] = None
    return sorted(found)


def tiers(commands: list[str]) -> dict[str, str]:
    from wakeful.policy.shell import ShellClassifier

    classify = ShellClassifier("/home/dev/proj", "/home/dev").classify
    return {c: str(classify(c).tier) for c in commands}


def tiers_of_revision(rev: str, commands: list[str]) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        (Path(tmp) / "commands.json").write_text(json.dumps(commands))
        out = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--tiers-of", f"{tmp}/commands.json"],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(tmp) / "src")},
        ).stdout
    result: dict[str, str] = json.loads(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="main", help="git revision to compare with")
    parser.add_argument("--programs", default=",".join(WORDS), help="comma-separated names")
    parser.add_argument("--per-program", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=10, help="lower commands shown per program")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--tiers-of", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tiers_of is not None:
        print(json.dumps(tiers(json.loads(args.tiers_of.read_text()))))
        return
    programs = [p for p in args.programs.split(",") if p]
    unknown = [p for p in programs if p not in WORDS]
    if unknown:
        parser.error(f"--programs: no word table for {unknown[0]}; choose from {', '.join(WORDS)}")
    commands = generate(programs, args.per_program, args.seed)
    before, after = tiers_of_revision(args.base, commands), tiers(commands)
    report: dict[str, dict[str, object]] = {}
    for name in programs:
        mine = [c for c in commands if c.split(" ", 1)[0] == name]
        lower = [c for c in mine if ORDER.index(after[c]) < ORDER.index(before[c])]
        higher = [c for c in mine if ORDER.index(after[c]) > ORDER.index(before[c])]
        report[name] = {
            "commands": len(mine),
            "lower": len(lower),
            "higher": len(higher),
            "lower_examples": [f"{before[c]} -> {after[c]}: {c}" for c in lower[: args.show]],
        }
    if args.json:
        print(json.dumps({"base": args.base, "commands": len(commands), "programs": report}))
        return
    print(f"{len(commands)} distinct commands, against {args.base}")
    for name, row in report.items():
        print(
            f"  {name:<11} {row['commands']:>5} commands, {row['lower']} lower, {row['higher']} higher"
        )
        for line in row["lower_examples"]:  # type: ignore[attr-defined]
            print(f"      {line}")


if __name__ == "__main__":
    main()
